package org.syncserver.realm;

import org.syncserver.db.Database;

/** An app or tenant: a lower-case name and the database its users and rows live in. */
public record Realm(String name, Database database) {
}
