package dev.gatehouse.storage;

import dev.gatehouse.config.Mode;
import dev.gatehouse.refusal.Refusal;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes one object into a bucket. Three kinds: Supabase Storage over HTTP (production, or whenever
 * {@code SUPABASE_SERVICE_ROLE_KEY} is set), a directory (dev mode without a key), and none (production
 * without a key: uploads are refused with 503 rather than written somewhere other instances cannot see).
 */
public sealed interface ObjectStore permits SupabaseStorage, DirectoryStore, ObjectStore.Unconfigured {
    /** Bucket ids and path segments this service writes: no dots first, no slashes, no traversal. */
    Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** Stores {@code bytes} as {@code bucket/path}; never overwrites an existing object. */
    default StoredObject put(String bucket, String path, String contentType, byte[] bytes) {
        return write(bucket, path, contentType, bytes, false);
    }

    /** Stores {@code bytes} as {@code bucket/path}, replacing what is there: for retried jobs that write the same object again. */
    default StoredObject replace(String bucket, String path, String contentType, byte[] bytes) {
        return write(bucket, path, contentType, bytes, true);
    }

    /** The one write both go through; {@code overwrite} false refuses an existing object. */
    StoredObject write(String bucket, String path, String contentType, byte[] bytes, boolean overwrite);

    /** Chosen once at start from the environment. */
    static ObjectStore fromEnvironment(Map<String, String> env, Mode mode, Path dataDir, String supabaseUrl) {
        String key = env.get("SUPABASE_SERVICE_ROLE_KEY");
        if (key != null && !key.isBlank()) {
            if (supabaseUrl == null) {
                throw new IllegalStateException("SUPABASE_SERVICE_ROLE_KEY is set but SUPABASE_URL is not: storage needs both");
            }
            return new SupabaseStorage(supabaseUrl, key.strip());
        }
        return mode == Mode.DEV ? new DirectoryStore(dataDir.resolve("storage")) : new Unconfigured();
    }

    static void checkName(String bucket, String path) {
        if (!SEGMENT.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bad bucket id " + bucket);
        }
        for (String segment : path.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("bad object path " + path);
            }
        }
    }

    /** Production without a service key: nothing is stored anywhere. */
    record Unconfigured() implements ObjectStore {
        @Override
        public StoredObject write(String bucket, String path, String contentType, byte[] bytes, boolean overwrite) {
            throw Refusal.unavailable("storage_not_configured",
                    "File storage is not configured on this server (SUPABASE_SERVICE_ROLE_KEY is missing).");
        }
    }
}
