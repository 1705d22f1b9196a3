-- The paper letters are printed on ('a4': DL and C5 window envelopes;
-- 'letter': US Letter, No. 10 window envelopes), and the title printed under
-- the representative's name when a letter is signed by them.
ALTER TABLE offices ADD COLUMN letter_paper TEXT NOT NULL DEFAULT 'a4';
ALTER TABLE offices ADD COLUMN signature_title TEXT NOT NULL DEFAULT '';

-- The sign-off moves from the letter renderer (which always printed "Yours
-- sincerely," and the signer) into the templates. A template with no
-- sign-off of its own gets the one letters printed until now, so its letters
-- read as before; one that already has one is left alone (it printed two).
UPDATE templates
SET body = rtrim(body) || char(10) || char(10) || 'Yours sincerely,' || char(10) || char(10) || char(10)
           || '{{ signer.name }}' || char(10) || '{{ signer.title }}',
    version = version + 1
WHERE lower(body) NOT LIKE '%sincerely%'
  AND lower(body) NOT LIKE '%faithfully%'
  AND lower(body) NOT LIKE '%regards%'
  AND lower(body) NOT LIKE '%best wishes%'
  AND lower(body) NOT LIKE '%yours truly%'
  AND body NOT LIKE '%signer.name%';
