package io.modelfs.p2p;

/** The decoder read a DATA frame's header: {@code length} bytes for request {@code id} follow as {@link DataBytes}. */
record DataStart(long id, int length) {}
