package org.syncserver.config;

import java.util.Map;

/**
 * The {@code email} block of config.json: the SMTP server and the app name shown per realm.
 *
 * @param appNames realm (lower case) to the app name used in the PIN e-mail
 */
public record MailConfig(String fromName, String fromAddress, String host, int port,
                         String username, String password, Map<String, String> appNames) {

    public MailConfig {
        appNames = Map.copyOf(appNames);
    }

    /** The app name for a realm, falling back to the {@code default} entry. */
    public String appNameFor(String realm) {
        return appNames.getOrDefault(realm, appNames.getOrDefault("default", "Sync Server"));
    }

    @Override
    public String toString() {
        return "MailConfig[from=" + fromName + " <" + fromAddress + ">, smtp=" + host + ":" + port
                + ", username=" + username + ", password=****, apps=" + appNames + "]";
    }
}
