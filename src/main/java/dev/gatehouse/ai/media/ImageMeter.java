package dev.gatehouse.ai.media;

/**
 * How images count against a plan: each image costs token-equivalents by its size and quality,
 * charged to the period's token quota with the prompt's tokens, so images share the one atomic
 * admission and reservation that chat uses (exact across instances, fail closed, a lost settlement
 * charged in full when its reservation expires).
 *
 * <p>The unit is OpenAI's own for its GPT image models: a 1024x1024 image is billed as 272 output
 * tokens at {@code low}, 1,056 at {@code medium} and 4,160 at {@code high}; other sizes scale with
 * their pixel count (1024x1536 at medium: 1,584, as OpenAI bills it). DALL·E's {@code standard}
 * counts as medium and {@code hd} as high. What cannot be known before the answer is charged at
 * its largest: {@code quality auto} as high, {@code size auto} as 1536x1024.
 */
public final class ImageMeter {
    private static final long SQUARE_1024 = 1024L * 1024L;

    private ImageMeter() {}

    public static int tokensPerImage(String size, String quality) {
        int square = switch (quality) {
            case "low" -> 272;
            case "medium", "standard" -> 1_056;
            default -> 4_160; // high, hd, auto
        };
        long pixels = "auto".equals(size) ? 1536L * 1024L : pixels(size);
        return (int) Math.ceilDiv(square * pixels, SQUARE_1024);
    }

    private static long pixels(String size) {
        int x = size.indexOf('x');
        return Long.parseLong(size.substring(0, x)) * Long.parseLong(size.substring(x + 1));
    }
}
