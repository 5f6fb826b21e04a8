package org.syncserver.sync;

import org.syncserver.config.Quotas;
import org.syncserver.error.QuotaExceededException;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A realm's limits applied to a push (PROTOCOL §13.1). A push that does not increase a usage is always accepted, so a
 * device at its limit can free space itself; one that does is judged by the usage after it, less what the deletes
 * the device announced in its pull will free when their batch arrives.
 */
final class QuotaCheck {

    private QuotaCheck() {
    }

    /** Refuses a row whose data is larger than {@code rowBytes}, naming it. */
    static void rowSizes(Quotas limits, List<PushedChange> batch) {
        if (limits.rowBytes().isEmpty()) {
            return;
        }
        long limit = limits.rowBytes().getAsLong();
        for (PushedChange change : batch) {
            long bytes = change.json() == null ? 0 : utf8Length(change.json(), limit);
            if (bytes > limit) {
                throw new QuotaExceededException("The row " + change.rowguid() + " of table "
                        + change.tablename() + " holds " + bytes(bytes) + " of data, above the limit of "
                        + bytes(limit) + " per row on this server: make the row smaller and sync again");
            }
        }
    }

    /**
     * @param usage  the user's usage after the push
     * @param change what the push added (negative: freed)
     * @param frees  what the device's announced deletes still to come will free
     */
    static void usage(Quotas limits, SyncRepository.Usage usage, SyncRepository.Usage change,
                      SyncRepository.Usage frees) {
        usage(limits, usage, change, frees, "your");
    }

    /** @param whose whose usage it is, as the message names it ("your", "the owner's of ...") */
    static void usage(Quotas limits, SyncRepository.Usage usage, SyncRepository.Usage change,
                      SyncRepository.Usage frees, String whose) {
        check(limits.rowsPerUser(), usage.rows(), change.rows(), frees.rows(), whose + " rows", QuotaCheck::rows);
        check(limits.bytesPerUser(), usage.bytes(), change.bytes(), frees.bytes(), whose + " row data",
                QuotaCheck::bytes);
    }

    private interface Unit {
        String format(long amount);
    }

    private static void check(OptionalLong limit, long usage, long change, long frees, String what, Unit unit) {
        if (limit.isEmpty() || change <= 0 || usage - frees <= limit.getAsLong()) {
            return;
        }
        String afterDeletes = frees > 0 ? " (" + unit.format(usage - frees) + " after the deletes still to come)" : "";
        throw new QuotaExceededException("This sync would bring " + what + " to " + unit.format(usage)
                + afterDeletes + ", above the limit of " + unit.format(limit.getAsLong())
                + " per user on this server: delete some and sync again");
    }

    private static String rows(long rows) {
        return String.format(Locale.ROOT, "%,d %s", rows, rows == 1 ? "row" : "rows");
    }

    static String bytes(long bytes) {
        if (bytes < 10_000) {
            return String.format(Locale.ROOT, "%,d bytes", bytes);
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double amount = bytes;
        int unit = -1;
        while (amount >= 1000 && unit < units.length - 1) {
            amount /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", amount, units[unit]);
    }

    /** The UTF-8 size of a text without encoding it, counted no further than just past {@code limit}. */
    private static long utf8Length(String text, long limit) {
        if (text.length() > limit) {
            return text.length(); // every character takes a byte at least: past the limit already
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
