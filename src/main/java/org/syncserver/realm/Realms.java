package org.syncserver.realm;

import org.syncserver.config.RealmConfig;
import org.syncserver.db.Database;
import org.syncserver.db.Migrations;
import org.syncserver.error.NotFoundException;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The configured realms, looked up case-insensitively. An unknown realm is never mapped to another one. */
public final class Realms implements AutoCloseable {

    private final Map<String, Realm> byName;

    private Realms(Map<String, Realm> byName) {
        this.byName = byName;
    }

    /** Opens a pool per realm and brings every realm database to the current schema. */
    public static Realms open(List<RealmConfig> configs) {
        Map<String, Realm> realms = new LinkedHashMap<>();
        try {
            for (RealmConfig config : configs) {
                Database database = Database.open(config);
                realms.put(config.name(), new Realm(config.name(), database));
                Migrations.migrate(database);
            }
        } catch (RuntimeException e) {
            realms.values().forEach(realm -> realm.database().close());
            throw e;
        }
        return new Realms(realms);
    }

    public Realm require(String name) {
        Realm realm = byName.get(name.toLowerCase(Locale.ROOT));
        if (realm == null) {
            throw new NotFoundException("Unknown realm: " + name);
        }
        return realm;
    }

    public Collection<Realm> all() {
        return byName.values();
    }

    @Override
    public void close() {
        byName.values().forEach(realm -> realm.database().close());
    }
}
