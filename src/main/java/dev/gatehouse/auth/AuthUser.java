package dev.gatehouse.auth;

import java.util.UUID;

/** A row of {@code auth.users} as tokens need it; metadata are JSON object texts. */
public record AuthUser(UUID id, String email, String appMetadataJson, String userMetadataJson) {}
