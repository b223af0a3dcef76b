package dev.gatehouse.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Where certificate PDFs go: Supabase Storage's {@code certificates} bucket, or the data dir in dev mode. */
public interface CertificateStore {
    String BUCKET = "certificates";

    /** Stores (or replaces: a retried job writes the same object) {@code <path>} in the bucket. */
    void put(String path, byte[] pdf) throws IOException;

    /** Supabase Storage's HTTP API with the service key (RLS bypassed), {@code x-upsert: true} so a retry overwrites. */
    record SupabaseStorage(OkHttpClient http, String supabaseUrl, String serviceKey) implements CertificateStore {
        @Override
        public void put(String path, byte[] pdf) throws IOException {
            Request request = new Request.Builder().url(supabaseUrl + "/storage/v1/object/" + BUCKET + "/" + path)
                    .header("Authorization", "Bearer " + serviceKey).header("apikey", serviceKey).header("x-upsert", "true")
                    .post(RequestBody.create(pdf, MediaType.get("application/pdf"))).build();
            try (Response r = http.newCall(request).execute()) {
                if (!r.isSuccessful()) {
                    String body = r.body() == null ? "" : r.body().string();
                    throw new IOException("storage answered " + r.code() + ": " + (body.length() > 300 ? body.substring(0, 300) : body));
                }
            }
        }

        public static OkHttpClient defaultHttpClient() {
            return new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofSeconds(30)).build();
        }
    }

    /** Dev mode: {@code <data dir>/certificates/<path>}. */
    record DevFolder(Path root) implements CertificateStore {
        @Override
        public void put(String path, byte[] pdf) throws IOException {
            Path target = root.resolve(path).normalize();
            if (!target.startsWith(root)) {
                throw new IOException("certificate path escapes the folder: " + path);
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, pdf);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
