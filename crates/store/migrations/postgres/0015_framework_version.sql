-- A version for each office's tagging framework, raised by every change to
-- its dimensions, values (but not their last use), aliases or the office's
-- level, in the transaction of the change: app servers keep the framework
-- in memory and read only this number to know it is still current.
ALTER TABLE tag_frameworks ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION tag_framework_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE tag_frameworks SET version = version + 1 WHERE office_id = OLD.office_id;
    ELSE
        UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.office_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tags_framework_changed
AFTER INSERT OR DELETE OR UPDATE OF dimension_id, parent_id, name, norm, effect, position, retired_at, merged_into
ON tags FOR EACH ROW EXECUTE FUNCTION tag_framework_changed();
CREATE TRIGGER tag_dimensions_framework_changed AFTER INSERT OR UPDATE OR DELETE
ON tag_dimensions FOR EACH ROW EXECUTE FUNCTION tag_framework_changed();
CREATE TRIGGER tag_aliases_framework_changed AFTER INSERT OR UPDATE OR DELETE
ON tag_aliases FOR EACH ROW EXECUTE FUNCTION tag_framework_changed();

CREATE FUNCTION office_level_changed() RETURNS trigger AS $$
BEGIN
    UPDATE tag_frameworks SET version = version + 1 WHERE office_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER offices_level_framework AFTER UPDATE OF level ON offices
FOR EACH ROW EXECUTE FUNCTION office_level_changed();
