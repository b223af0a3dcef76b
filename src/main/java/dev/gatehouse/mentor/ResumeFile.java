package dev.gatehouse.mentor;

import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * An uploaded resume, checked and read into text: PDF, DOCX or UTF-8 text, at most 5 MB, its bytes
 * matching its declared type. The text is what the resume-review task reads (at most
 * {@link #MAX_TEXT} characters; longer resumes are cut there and say so).
 */
public record ResumeFile(String contentType, String extension, byte[] bytes, String text, boolean truncated) {
    public static final int MAX_BYTES = 5 * 1024 * 1024;
    /** The resume-review task's limit for its {@code resume} variable. */
    public static final int MAX_TEXT = 30_000;
    /** The task's minimum: less than this is not a resume, most often a scanned PDF without a text layer. */
    static final int MIN_TEXT = 50;
    static final String PDF = "application/pdf";
    static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    static final String TEXT = "text/plain";
    private static final int MAX_PDF_PAGES = 40;

    /** Refuses with 413 before the body is read when the declared length is already too large. */
    public static void checkDeclaredLength(long contentLength) {
        if (contentLength > MAX_BYTES) {
            throw tooLarge(contentLength);
        }
    }

    public static ResumeFile read(String declaredType, byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(bytes.length);
        }
        if (bytes.length == 0) {
            throw bad("The upload is empty; send the resume file as the request body.");
        }
        String type = declaredType == null ? "" : declaredType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        String raw = switch (type) {
            case PDF -> pdfText(bytes);
            case DOCX -> DocxText.of(bytes);
            case TEXT -> utf8(bytes);
            default -> throw bad("Unsupported file type '" + (type.isEmpty() ? "none" : type)
                    + "': send a PDF (application/pdf), a DOCX (" + DOCX + ") or plain text (text/plain).");
        };
        String text = raw.replace("\r\n", "\n").replaceAll("[ \\t\\x0B\\f]+\\n", "\n").replaceAll("\\n{3,}", "\n\n").strip();
        if (text.length() < MIN_TEXT) {
            throw bad("No readable text in this file (" + text.length() + " characters found, at least " + MIN_TEXT
                    + " needed). A scanned PDF has no text layer: export the resume as a text PDF, a DOCX or plain text.");
        }
        boolean truncated = text.length() > MAX_TEXT;
        String extension = switch (type) {
            case PDF -> "pdf";
            case DOCX -> "docx";
            default -> "txt";
        };
        return new ResumeFile(type, extension, bytes, truncated ? text.substring(0, MAX_TEXT) : text, truncated);
    }

    private static String pdfText(byte[] bytes) {
        if (!startsWith(bytes, "%PDF-")) {
            throw bad("The file is declared as a PDF but is not one (it does not start with %PDF-).");
        }
        try (PDDocument doc = Loader.loadPDF(bytes)) {
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            stripper.setEndPage(MAX_PDF_PAGES);
            return stripper.getText(doc);
        } catch (InvalidPasswordException e) {
            throw bad("The PDF is password-protected; upload an unprotected copy.");
        } catch (IOException | RuntimeException e) {
            throw bad("The PDF could not be read (" + e.getClass().getSimpleName() + "); it may be damaged.");
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (s.indexOf('\0') >= 0) {
                throw bad("The text file contains NUL bytes; it looks binary, not plain text.");
            }
            return s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (CharacterCodingException e) {
            throw bad("The text file is not valid UTF-8.");
        }
    }

    static boolean startsWith(byte[] bytes, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length < m.length) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (bytes[i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    static Refusal bad(String message) {
        return new Refusal(400, "invalid_request_error", "invalid_file", "file", message, Map.of());
    }

    private static Refusal tooLarge(long bytes) {
        return new Refusal(413, "invalid_request_error", "file_too_large", "file",
                "The file is " + bytes + " bytes; a resume may be at most 5 MB (" + MAX_BYTES + " bytes).", Map.of());
    }
}
