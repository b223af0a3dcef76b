package dev.gatehouse.config;

/** Dev runs everything locally and offline; production refuses anything dev-only. */
public enum Mode {
    DEV,
    PRODUCTION
}
