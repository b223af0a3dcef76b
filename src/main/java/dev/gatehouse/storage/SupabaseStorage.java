package dev.gatehouse.storage;

import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supabase Storage's upload API: {@code POST {SUPABASE_URL}/storage/v1/object/{bucket}/{path}} with the
 * service key in {@code Authorization} and {@code apikey} (it bypasses RLS, so the caller's folder is
 * chosen here, never by the user), {@code x-upsert: false} for a put so nothing is overwritten, {@code true}
 * for a replace. The bucket's size
 * and MIME limits are Storage's to enforce; its refusals (413, 415) reach the caller as such.
 */
public final class SupabaseStorage implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(SupabaseStorage.class);

    private final String baseUrl;
    private final String serviceKey;
    private final OkHttpClient http = new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofSeconds(30)).build();

    SupabaseStorage(String supabaseUrl, String serviceKey) {
        this.baseUrl = supabaseUrl + "/storage/v1/object/";
        this.serviceKey = serviceKey;
    }

    @Override
    public StoredObject write(String bucket, String path, String contentType, byte[] bytes, boolean overwrite) {
        ObjectStore.checkName(bucket, path);
        Request request = new Request.Builder().url(baseUrl + bucket + "/" + path)
                .header("Authorization", "Bearer " + serviceKey).header("apikey", serviceKey)
                .header("x-upsert", String.valueOf(overwrite)).header("cache-control", "no-store")
                .post(RequestBody.create(bytes, MediaType.get(contentType))).build();
        try (Response response = http.newCall(request).execute()) {
            int status = response.code();
            if (response.isSuccessful()) {
                return new StoredObject(bucket, path, bytes.length, contentType);
            }
            String body = response.body().string();
            log.warn("storage refused {}/{}: {} {}", bucket, path, status, body.length() > 300 ? body.substring(0, 300) : body);
            throw switch (status) {
                case 413 -> new Refusal(413, "invalid_request_error", "file_too_large", "file",
                        "The file is larger than the " + bucket + " bucket allows.", Map.of());
                case 415 -> Refusal.badRequest("file", "The " + bucket + " bucket does not accept files of type " + contentType + ".");
                default -> failed();
            };
        } catch (IOException e) {
            log.warn("storage unreachable for {}/{}: {}", bucket, path, e.toString());
            throw failed();
        }
    }

    private static Refusal failed() {
        return new Refusal(502, "server_error", "storage_unavailable", null,
                "File storage did not accept the upload; nothing was stored. Try again.", Map.of());
    }
}
