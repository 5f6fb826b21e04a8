package org.syncserver.realm;

import org.syncserver.db.Database;

/**
 * An app or tenant: a lower-case name and the database its users and rows live in. A realm is ready once its
 * database has been reached and migrated; until then its requests are answered with 503.
 */
public final class Realm {

    private final String name;
    private final Database database;
    private volatile boolean ready;

    Realm(String name, Database database) {
        this.name = name;
        this.database = database;
    }

    public String name() {
        return name;
    }

    public Database database() {
        return database;
    }

    public boolean isReady() {
        return ready;
    }

    void markReady() {
        ready = true;
    }
}
