package io.modelfs.fuse;

/** One name in a directory listing, with its attributes so that readdir can report the type. */
record DirEntry(String name, Attributes attributes) {}
