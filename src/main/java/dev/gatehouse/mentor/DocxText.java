package dev.gatehouse.mentor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The text of a DOCX: its {@code word/document.xml} read with StAX, paragraphs as lines. A DOCX is a
 * zip of XML, so this needs no office library; the zip entry is read to at most 20 MB unpacked (a zip
 * bomb stops there) and the XML parser takes no DTD and no external entities.
 */
final class DocxText {
    private static final String WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private static final int MAX_UNPACKED = 20 * 1024 * 1024;

    private DocxText() {}

    static String of(byte[] bytes) {
        if (!ResumeFile.startsWith(bytes, "PK\u0003\u0004")) {
            throw ResumeFile.bad("The file is declared as a DOCX but is not one (it is not a zip archive).");
        }
        byte[] xml = documentXml(bytes);
        try {
            XMLInputFactory factory = XMLInputFactory.newFactory();
            factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            XMLStreamReader r = factory.createXMLStreamReader(new ByteArrayInputStream(xml));
            StringBuilder out = new StringBuilder();
            boolean inText = false;
            while (r.hasNext()) {
                int event = r.next();
                if (event == XMLStreamConstants.START_ELEMENT && WORD_NS.equals(r.getNamespaceURI())) {
                    switch (r.getLocalName()) {
                        case "t" -> inText = true;
                        case "tab" -> out.append('\t');
                        case "br", "cr" -> out.append('\n');
                        default -> { }
                    }
                } else if (event == XMLStreamConstants.END_ELEMENT && WORD_NS.equals(r.getNamespaceURI())) {
                    switch (r.getLocalName()) {
                        case "t" -> inText = false;
                        case "p" -> out.append('\n');
                        default -> { }
                    }
                } else if (inText && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA)) {
                    out.append(r.getText());
                }
            }
            return out.toString();
        } catch (XMLStreamException e) {
            throw ResumeFile.bad("The DOCX's document.xml is not well-formed XML; the file may be damaged.");
        }
    }

    private static byte[] documentXml(byte[] bytes) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals("word/document.xml")) {
                    return bounded(zip);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw ResumeFile.bad("The DOCX could not be unpacked (" + e.getClass().getSimpleName() + "); it may be damaged.");
        }
        throw ResumeFile.bad("The file is a zip archive but not a DOCX (it has no word/document.xml).");
    }

    private static byte[] bounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (out.size() + n > MAX_UNPACKED) {
                throw ResumeFile.bad("The DOCX's text is larger than " + MAX_UNPACKED / (1024 * 1024) + " MB when unpacked.");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
