package org.syncserver.config;

import java.util.Map;

/**
 * Which tables of each realm hold shared rows ({@code sharing.<realm>.tables} in config.json, PROTOCOL §12.1):
 * table name → the field of {@code rowData} that holds the row's space id.
 */
public record Sharing(Map<String, Map<String, String>> tablesByRealm) {

    public static final Sharing NONE = new Sharing(Map.of());

    public Sharing {
        tablesByRealm = Map.copyOf(tablesByRealm);
    }

    /** @return table → space-id field; empty when the realm shares nothing */
    public Map<String, String> tables(String realm) {
        return tablesByRealm.getOrDefault(realm, Map.of());
    }

    public boolean shares(String realm) {
        return !tables(realm).isEmpty();
    }

    @Override
    public String toString() {
        return tablesByRealm.toString();
    }
}
