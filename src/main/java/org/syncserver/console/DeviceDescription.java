package org.syncserver.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A device as an operator reads it: {@code Pixel 8 · Android 15} rather than the JSON text the client registered
 * ({@code {"name":"Pixel 8","systemName":"ANDROID","systemVersion":"15"}}). Text that is not such JSON is shown
 * as it is.
 */
final class DeviceDescription {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How the platforms are spelled; the client sends Flutter's names, often in capitals. */
    private static final Map<String, String> PLATFORMS = Map.of("android", "Android", "ios", "iOS", "macos", "macOS",
            "windows", "Windows", "linux", "Linux", "web", "Web", "fuchsia", "Fuchsia");

    private DeviceDescription() {
    }

    static String readable(String registered) {
        if (registered == null || registered.isBlank()) {
            return "–";
        }
        return parse(registered).map(DeviceDescription::words).filter(words -> !words.isEmpty()).orElse(registered);
    }

    private static String words(JsonNode device) {
        String platform = Stream.of(first(device, "systemName", "platform", "os").map(DeviceDescription::platform),
                        first(device, "systemVersion", "version"))
                .flatMap(Optional::stream).collect(Collectors.joining(" "));
        return Stream.of(first(device, "name", "deviceName", "model"), Optional.of(platform).filter(p -> !p.isEmpty()))
                .flatMap(Optional::stream).collect(Collectors.joining(" · "));
    }

    private static Optional<String> first(JsonNode device, String... keys) {
        return Stream.of(keys).map(device::path).filter(JsonNode::isValueNode).map(JsonNode::asText)
                .map(String::strip).filter(text -> !text.isEmpty()).findFirst();
    }

    private static String platform(String name) {
        return PLATFORMS.getOrDefault(name.toLowerCase(Locale.ROOT), name);
    }

    private static Optional<JsonNode> parse(String registered) {
        try {
            JsonNode node = JSON.readTree(registered);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (Exception notJson) {
            return Optional.empty();
        }
    }
}
