package dev.gatehouse.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/**
 * The course-completion certificate as a one-page landscape PDF (Apache PDFBox): the student's
 * name, the course, the date and the verification code with the URL that verifies it. Uses the
 * standard Helvetica fonts (nothing to ship); characters they cannot encode (WinAnsi) are replaced
 * by '?', so a name in a non-Latin script prints degraded rather than failing the job.
 */
public final class CertificatePdf {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);

    private CertificatePdf() {}

    public static byte[] render(String studentName, String courseTitle, LocalDate completedOn, String code, String verifyUrl) throws IOException {
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage(new PDRectangle(PDRectangle.A4.getHeight(), PDRectangle.A4.getWidth()));
            doc.addPage(page);
            PDDocumentInformation info = doc.getDocumentInformation();
            info.setTitle("Certificate of completion: " + courseTitle);
            info.setSubject(code);
            PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
            PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            float width = page.getMediaBox().getWidth();
            try (PDPageContentStream s = new PDPageContentStream(doc, page)) {
                centered(s, bold, 34, width, 430, "Certificate of Completion");
                centered(s, regular, 16, width, 380, "This certifies that");
                centered(s, bold, 28, width, 335, studentName);
                centered(s, regular, 16, width, 290, "has completed the course");
                centered(s, bold, 22, width, 250, courseTitle);
                centered(s, regular, 14, width, 200, "on " + DATE.format(completedOn));
                centered(s, regular, 11, width, 110, "Verification code: " + code);
                centered(s, regular, 11, width, 92, "Verify at " + verifyUrl);
            }
            doc.save(out);
            return out.toByteArray();
        }
    }

    private static void centered(PDPageContentStream s, PDType1Font font, float size, float pageWidth, float y, String raw) throws IOException {
        String text = encodable(font, raw);
        if (text.length() > 90) {
            text = text.substring(0, 87) + "...";
        }
        float w = font.getStringWidth(text) / 1000 * size;
        s.beginText();
        s.setFont(font, size);
        s.newLineAtOffset((pageWidth - w) / 2, y);
        s.showText(text);
        s.endText();
    }

    private static String encodable(PDType1Font font, String raw) {
        StringBuilder b = new StringBuilder();
        raw.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            try {
                font.encode(ch);
                b.append(ch);
            } catch (IOException | IllegalArgumentException e) {
                b.append('?');
            }
        });
        return b.toString();
    }
}
