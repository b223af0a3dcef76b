package dev.gatehouse.auth;

import java.sql.SQLException;
import java.util.UUID;

/** Reads a user's {@link UserStatus} from the database; implemented by {@link AuthUserStatuses}. */
@FunctionalInterface
public interface UserStatusLookup {
    UserStatus of(UUID userId) throws SQLException;
}
