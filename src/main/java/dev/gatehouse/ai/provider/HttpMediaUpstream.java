package dev.gatehouse.ai.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.config.ModelApi;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An OpenAI-compatible provider's {@code /images/generations} or {@code /embeddings}: one JSON POST
 * with the deployment's model id, failures classified exactly as for chat ({@link HttpUpstream#failure}),
 * and a 2xx body checked against what the API promises before anyone is charged for it.
 */
final class HttpMediaUpstream implements MediaUpstream {
    private static final MediaType JSON = MediaType.get("application/json");

    private final Deployment deployment;
    private final ModelApi api;
    private final OkHttpClient client;
    private final HttpUrl url;
    private final Headers headers;

    HttpMediaUpstream(Deployment deployment, ModelApi api, OkHttpClient shared) {
        this.deployment = deployment;
        this.api = api;
        this.client = HttpUpstream.forProviders(shared); // the call's timeout bounds the whole attempt
        this.url = HttpUrl.get(deployment.provider().baseUrl() + api.path());
        this.headers = HttpUpstream.headers(deployment, new OpenAiDialect());
    }

    @Override
    public ObjectNode call(ObjectNode body, int items, String requestId, Duration timeout) throws UpstreamFailure {
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", deployment.model());
        Request request = new Request.Builder().url(url).headers(headers).header("Accept", "application/json")
                .post(RequestBody.create(OpenAiJson.bytes(upstream), JSON)).build();
        Call call = client.newCall(request);
        call.timeout().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        try (Response response = call.execute()) {
            if (!response.isSuccessful()) {
                throw HttpUpstream.failure(response);
            }
            JsonNode answer;
            try {
                answer = OpenAiJson.MAPPER.readTree(response.body().byteStream());
            } catch (JsonProcessingException e) {
                throw UpstreamFailure.malformed("a body that is not JSON");
            }
            return checked(answer, items);
        } catch (IOException e) {
            throw UpstreamFailure.forIo(e, false);
        }
    }

    private ObjectNode checked(JsonNode answer, int items) throws UpstreamFailure {
        JsonNode data = answer.path("data");
        if (!(answer instanceof ObjectNode object) || !data.isArray()) {
            throw UpstreamFailure.malformed("an " + api.configName() + " answer without a data array");
        }
        if (api == ModelApi.EMBEDDINGS) {
            if (data.size() != items) {
                throw UpstreamFailure.malformed(data.size() + " embeddings for " + items + " inputs");
            }
            for (JsonNode item : data) {
                JsonNode vector = item.path("embedding");
                if (!(vector.isArray() && !vector.isEmpty() && vector.get(0).isNumber()) && !(vector.isTextual() && !vector.asText().isEmpty())) {
                    throw UpstreamFailure.malformed("an embedding that is neither numbers nor base64");
                }
            }
        } else {
            if (data.isEmpty() || data.size() > items) {
                throw UpstreamFailure.malformed(data.size() + " images for n = " + items);
            }
            for (JsonNode item : data) {
                if (!item.path("b64_json").isTextual() && !item.path("url").isTextual()) {
                    throw UpstreamFailure.malformed("an image with neither b64_json nor url");
                }
            }
        }
        return object;
    }
}
