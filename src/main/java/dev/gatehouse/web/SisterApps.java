package dev.gatehouse.web;

/** The sister apps' endpoints (prompt-enrichment tool, sales-call analyser, AI-mentor extension), routed together. */
public record SisterApps(MentorEndpoints mentor, SalesEndpoints sales, ImportEndpoints imports) {}
