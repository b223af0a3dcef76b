package dev.gatehouse.storage;

/** Where a file was stored: its bucket and the object name inside it, and its size. */
public record StoredObject(String bucket, String path, long bytes, String contentType) {}
