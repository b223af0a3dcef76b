package dev.gatehouse.web;

/**
 * The sister apps' endpoints (prompt-enrichment tool, sales-call analyser, AI-mentor extension), routed
 * together, with the gateway's images and embeddings endpoints they asked for.
 */
public record SisterApps(MentorEndpoints mentor, SalesEndpoints sales, ImportEndpoints imports, MediaEndpoints media) {}
