package org.syncserver.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in config.json's string values are replaced by environment
 * variables, so a container's secrets and database URLs need not be written into a file:
 * {@code "secret_key": "${JWT_SECRET}"}. A variable that is not set (and has no default) stops the server, naming
 * the key, rather than leaving a literal placeholder as a secret.
 */
final class Placeholders {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final Map<String, String> env;

    Placeholders(Map<String, String> env) {
        this.env = env;
    }

    JsonNode resolve(JsonNode node, String key) {
        if (node.isTextual()) {
            return JsonNodeFactory.instance.textNode(resolve(node.asText(), key));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), resolve(e.getValue(), join(key, e.getKey()))));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                copy.add(resolve(node.get(i), key + "[" + i + "]"));
            }
            return copy;
        }
        return node;
    }

    private String resolve(String text, String key) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String value = env.get(matcher.group(1));
            if (value == null) {
                value = matcher.group(2);
            }
            if (value == null) {
                throw new ConfigException(key + " refers to ${" + matcher.group(1)
                        + "}, which is not set in the environment");
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(value));
        }
        return matcher.appendTail(result).toString();
    }

    static String join(String parent, String child) {
        return parent.isEmpty() ? child : parent + "." + child;
    }
}
