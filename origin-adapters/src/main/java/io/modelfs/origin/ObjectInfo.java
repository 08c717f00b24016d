package io.modelfs.origin;

/**
 * One object of an origin: relative path, size, permission bits (0644 where the origin has
 * none), and the version that identifies these bytes (ETag, generation, version id, or
 * {@code <size>-<mtime millis>} for files).
 */
public record ObjectInfo(String path, long size, int mode, String version) {}
