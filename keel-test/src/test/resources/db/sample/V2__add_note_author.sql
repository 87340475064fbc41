ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'nobody';
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM notes; $$;
