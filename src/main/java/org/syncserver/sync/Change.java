package org.syncserver.sync;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.UUID;

/**
 * One change as sync_client sends it: {@code {"operation","rowguid","tablename","clientdate","rowData"}}.
 * Pull bodies carry it without rowData.
 */
public record Change(String operation, UUID rowguid, String tablename, Long clientdate, JsonNode rowData) {
}
