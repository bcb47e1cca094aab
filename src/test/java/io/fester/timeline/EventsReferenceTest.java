package io.fester.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/events.md} is the reference of what a run's timeline holds, for whoever reads
 * {@code fester events} or writes a tool on it: every event type has a section, and every field the code
 * writes is named there — a type's own fields in its section, the fields of the records inside it (an
 * action, a host, a candidate…) anywhere on the page.
 */
class EventsReferenceTest {
    private static final Path DOC = Path.of("docs/events.md");
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    @Test
    void everyEventTypeAndEveryFieldIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        List<String> missing = new ArrayList<>();
        for (EventType type : EventType.values()) {
            String section = section(doc, type.typeName());
            if (section == null) {
                missing.add("no section for `" + type.typeName() + "`");
                continue;
            }
            if (!section.contains("(" + type.kind().name().toLowerCase() + ")")) {
                missing.add("`" + type.typeName() + "` is not marked (" + type.kind().name().toLowerCase() + ")");
            }
            for (RecordComponent c : type.recordClass().getRecordComponents()) {
                String field = SNAKE.translate(c.getName());
                if (!section.contains("`" + field + "`")) {
                    missing.add("`" + type.typeName() + "." + field + "`");
                }
            }
            Set<Class<?>> nested = new LinkedHashSet<>();
            for (RecordComponent c : type.recordClass().getRecordComponents()) {
                nestedRecords(c.getGenericType(), nested);
            }
            for (Class<?> record : nested) {
                for (RecordComponent c : record.getRecordComponents()) {
                    String field = SNAKE.translate(c.getName());
                    if (!doc.contains("`" + field + "`")) {
                        missing.add("`" + type.typeName() + "` → " + record.getSimpleName() + "." + field);
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "docs/events.md is behind the code");
    }

    @Test
    void theCheckSeesAFieldThatIsMissing() throws IOException {
        String doc = Files.readString(DOC);
        String section = section(doc, "exit");
        assertTrue(section.contains("`missing_outputs`"));
        assertTrue(!section(doc.replace("`missing_outputs`", "missing outputs"), "exit").contains("`missing_outputs`"));
        assertEquals(null, section(doc, "no_such_event"));
    }

    /** The text under the heading that names the type, up to the next heading of level 2 or 3. */
    private static String section(String doc, String type) {
        Matcher m = Pattern.compile("(?m)^#{2,3} `" + Pattern.quote(type) + "`.*$").matcher(doc);
        if (!m.find()) {
            return null;
        }
        Matcher next = Pattern.compile("(?m)^#{2,3} ").matcher(doc);
        int end = next.find(m.end()) ? next.start() : doc.length();
        return doc.substring(m.start(), end);
    }

    /** Records held by a field (directly, or in a list or map), except events, which have sections of their own. */
    private static void nestedRecords(Type t, Set<Class<?>> into) {
        if (t instanceof ParameterizedType p) {
            for (Type a : p.getActualTypeArguments()) {
                nestedRecords(a, into);
            }
        } else if (t instanceof Class<?> c && c.isRecord() && !Event.class.isAssignableFrom(c) && into.add(c)) {
            for (RecordComponent rc : c.getRecordComponents()) {
                nestedRecords(rc.getGenericType(), into);
            }
        }
    }
}
