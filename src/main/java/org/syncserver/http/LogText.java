package org.syncserver.http;

/** Text from a request made safe for a log line: control characters (CR, LF, ESC…) are written as escapes. */
public final class LogText {

    private LogText() {
    }

    public static String printable(String text) {
        if (text.chars().noneMatch(LogText::isControl)) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(text.length() + 8);
        text.chars().forEach(c -> {
            if (isControl(c)) {
                escaped.append(String.format("\\u%04x", c));
            } else {
                escaped.append((char) c);
            }
        });
        return escaped.toString();
    }

    private static boolean isControl(int c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
