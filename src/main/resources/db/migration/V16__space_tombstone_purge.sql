-- The purge of a space's tombstones asks which devices' cursor vectors name the space, and from which clock
-- (LifecycleRepository.purgeSpaces): through this index, instead of reading every device's vectors per space.
CREATE INDEX IF NOT EXISTS cursor_vectors_owners_idx ON cursor_vectors USING gin (owners);
