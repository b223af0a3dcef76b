package dev.gatehouse.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends bytes no well-behaved HTTP client would (bad request lines, NUL bytes, duplicate headers) and reads the
 * answer, so tests see what Jetty and the service really reply to them.
 */
record RawHttp(int status, Map<String, String> headers, String body) {

    static RawHttp send(int port, String request) throws IOException {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    static RawHttp send(int port, byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return read(s.getInputStream());
        }
    }

    private static RawHttp read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int headerEnd = -1;
        int contentLength = -1;
        Map<String, String> headers = new LinkedHashMap<>();
        int status = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            all.write(buf, 0, n);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && (headerEnd = text.indexOf("\r\n\r\n")) >= 0) {
                String[] lines = text.substring(0, headerEnd).split("\r\n");
                status = Integer.parseInt(lines[0].split(" ")[1]);
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip(), (a, b) -> a + ", " + b);
                }
                contentLength = Integer.parseInt(headers.getOrDefault("content-length", "-1"));
            }
            if (headerEnd >= 0 && contentLength >= 0 && all.size() >= headerEnd + 4 + contentLength) {
                break;
            }
        }
        String text = all.toString(StandardCharsets.UTF_8);
        return new RawHttp(status, headers, headerEnd < 0 ? "" : text.substring(headerEnd + 4));
    }
}
