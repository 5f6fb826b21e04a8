package org.syncserver.config;

import java.util.OptionalLong;

/**
 * One realm's limits ({@code quotas.<realm>} in config.json, PROTOCOL §13.1); each is off unless set.
 *
 * @param rowsPerUser    live rows of one user (tombstones count against no one)
 * @param bytesPerUser   bytes of row data of one user, as sent
 * @param devicesPerUser devices one user may register
 * @param rowBytes       bytes of one row's data, as sent
 */
public record Quotas(OptionalLong rowsPerUser, OptionalLong bytesPerUser, OptionalLong devicesPerUser,
                     OptionalLong rowBytes) {

    public static final Quotas NONE = new Quotas(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
            OptionalLong.empty());

    /** Whether a push must count a user's usage against a limit. */
    public boolean limitsUsage() {
        return rowsPerUser.isPresent() || bytesPerUser.isPresent();
    }

    @Override
    public String toString() {
        return describe("rowsPerUser", rowsPerUser) + describe("bytesPerUser", bytesPerUser)
                + describe("devicesPerUser", devicesPerUser) + describe("rowBytes", rowBytes);
    }

    private static String describe(String name, OptionalLong limit) {
        return limit.isPresent() ? " " + name + "=" + limit.getAsLong() : "";
    }
}
