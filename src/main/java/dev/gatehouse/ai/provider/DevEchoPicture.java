package dev.gatehouse.ai.provider;

import java.awt.AWTError;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The dev-echo image: a small PNG (at most {@value #LONG_SIDE} px on its long side, in the requested
 * size's proportions) with a "dev-echo" banner and the prompt written on it, drawn with java.awt on
 * an off-screen image, which needs no display. Its colour comes from the prompt, so the same prompt
 * gives the same picture. Where the JVM has no fonts to draw text with, the picture keeps its banner
 * colours and frame without the words: dev output must never fail a request.
 */
final class DevEchoPicture {
    static final int LONG_SIDE = 256;
    private static final int MAX_LINES = 9;

    private DevEchoPicture() {}

    /** @param size the request's {@code size} ({@code WxH} or {@code auto}) */
    static byte[] png(String prompt, String size, int index, int count) {
        int[] wh = proportions(size);
        BufferedImage image = new BufferedImage(wh[0], wh[1], BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            float hue = (prompt.hashCode() & 0xffff) / 65536f;
            g.setColor(Color.getHSBColor(hue, 0.25f, 0.97f));
            g.fillRect(0, 0, wh[0], wh[1]);
            g.setColor(new Color(0x33, 0x33, 0x33));
            g.fillRect(0, 0, wh[0], 28);
            g.setStroke(new BasicStroke(4));
            g.drawRect(2, 2, wh[0] - 5, wh[1] - 5);
            try {
                words(g, prompt, wh[0], index, count);
            } catch (AWTError | LinkageError e) {
                // no font configuration on this machine: the picture stays a labelled frame
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void words(Graphics2D g, String prompt, int width, int index, int count) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.setColor(Color.WHITE);
        g.drawString("dev-echo: not a real image" + (count > 1 ? " (" + index + "/" + count + ")" : ""), 8, 19);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(new Color(0x22, 0x22, 0x22));
        FontMetrics metrics = g.getFontMetrics();
        int y = 28 + metrics.getHeight() + 4;
        for (String line : wrap(prompt, metrics, width - 20)) {
            g.drawString(line, 10, y);
            y += metrics.getHeight();
        }
    }

    private static List<String> wrap(String text, FontMetrics metrics, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (metrics.stringWidth(candidate) <= width || line.isEmpty()) {
                line.setLength(0);
                line.append(candidate);
            } else {
                lines.add(line.toString());
                line.setLength(0);
                line.append(word);
            }
            if (lines.size() == MAX_LINES) {
                lines.set(MAX_LINES - 1, lines.get(MAX_LINES - 1) + " …");
                return lines;
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** Width and height scaled so the long side is {@link #LONG_SIDE}; square for {@code auto}. */
    static int[] proportions(String size) {
        String[] parts = size.split("x");
        if (parts.length != 2) {
            return new int[] {LONG_SIDE, LONG_SIDE};
        }
        int w = Integer.parseInt(parts[0]);
        int h = Integer.parseInt(parts[1]);
        int longest = Math.max(w, h);
        return new int[] {Math.max(w * LONG_SIDE / longest, 32), Math.max(h * LONG_SIDE / longest, 32)};
    }
}
