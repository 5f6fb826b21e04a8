package org.syncserver.console;

import java.util.Collection;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * HTML that cannot forget to escape: {@link #of} escapes every argument that is not already {@link Html}, so a
 * user named {@code <img src=x onerror=alert(1)>} shows as text wherever a page mentions it.
 */
record Html(String markup) {

    static final Html EMPTY = new Html("");

    /** The template is trusted markup; each {@code %s} gets an argument, escaped unless it is Html. */
    static Html of(String template, Object... args) {
        Object[] safe = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            safe[i] = args[i] instanceof Html html ? html.markup() : escape(args[i] == null ? "" : String.valueOf(args[i]));
        }
        return new Html(template.formatted(safe));
    }

    static <T> Html each(Collection<T> items, Function<T, Html> render) {
        return new Html(items.stream().map(item -> render.apply(item).markup()).collect(Collectors.joining()));
    }

    /** Escapes for text and for attribute values in double or single quotes. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return markup;
    }
}
