package io.fester.graph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML or JSON document read into a small tree that remembers where every token stood, so that
 * validation can blame {@code file:line:column}. Jackson's tree model drops locations; the streaming
 * parser keeps them.
 */
public final class YamlTree {

    /** Generated specs can be large; SnakeYAML refuses documents over 3 MiB unless told otherwise. */
    static final int CODE_POINT_LIMIT = 1 << 30;

    // no buffer recycling: a recycled buffer grown by an earlier parse moved the location reported for
    // "nested too deep" (where the parser stood in its buffer), so the message depended on what ran before
    private static final JsonFactory JSON = JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.nonRecyclingPool()).build();
    private static final YAMLFactory YAML;

    static {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(CODE_POINT_LIMIT);
        options.setMaxAliasesForCollections(1000);
        YAML = YAMLFactory.builder().loaderOptions(options).build();
    }

    private YamlTree() {}

    /** A node of the tree. */
    public sealed interface Node permits MapNode, ListNode, Scalar {
        SourcePos pos();
    }

    /** A key as written, with its position. */
    public record Key(String name, SourcePos pos) {}

    /** A mapping; keys keep their file order. */
    public record MapNode(SourcePos pos, Map<String, Key> keys, Map<String, Node> values) implements Node {
        public Node get(String key) {
            return values.get(key);
        }
    }

    /** A sequence. */
    public record ListNode(SourcePos pos, List<Node> items) implements Node {}

    /** A scalar; {@code text} is null for YAML/JSON null. */
    public record Scalar(SourcePos pos, String text, boolean quoted, boolean number) implements Node {}

    /**
     * Reads one document. JSON when {@code json} is true, else YAML (which also accepts JSON).
     *
     * @throws SpecException on a syntax error or a duplicate key, located
     */
    public static Node read(Reader reader, String fileName, boolean json) throws SpecException, IOException {
        JsonFactory factory = json ? JSON : YAML;
        java.io.PushbackReader in = new java.io.PushbackReader(reader, 1);
        int first = in.read();
        if (first >= 0 && first != '\uFEFF') { // a byte order mark (Windows editors write one) is no content
            in.unread(first);
        }
        JsonParser open = null;
        try (JsonParser parser = factory.createParser(in)) {
            open = parser;
            JsonToken token = parser.nextToken();
            if (token == null) {
                return new MapNode(new SourcePos(fileName, 1, 1), Map.of(), Map.of());
            }
            Node doc = readValue(parser, fileName);
            if (parser.nextToken() != null) {
                throw new SpecException(at(parser.currentTokenLocation(), fileName), json
                        ? "more after the end of the document: a file holds one JSON value"
                        : "a second YAML document: a file holds one document (remove the '---' and what follows, "
                                + "or merge them)");
            }
            return doc;
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new SpecException(open == null ? SourcePos.ofFile(fileName) : at(open.currentLocation(), fileName),
                    "nested too deep (more than 1000 levels of lists or mappings): this file needs only a few");
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                String problem = m.getProblem() == null ? "bad YAML" : m.getProblem();
                String context = m.getContext() == null ? "" : " (" + m.getContext() + ")";
                throw new SpecException(new SourcePos(fileName, m.getProblemMark().getLine() + 1,
                        m.getProblemMark().getColumn() + 1), "syntax error: " + problem + context);
            }
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int cut = msg.indexOf(" at [Source");
            if (cut > 0) {
                msg = msg.substring(0, cut);
            }
            msg = msg.replace('\n', ' ').trim();
            if (msg.startsWith("Expected a field name")) {
                msg = "a key must be a plain value (a name), not a list or a mapping";
            } else if (msg.contains("ALLOW_COMMENTS")) {
                msg = "JSON has no comments: remove the // or /* */ text (or write the spec in YAML, which has #)";
            } else if (msg.contains("ALLOW_NON_NUMERIC_NUMBERS")) {
                msg = "NaN and Infinity are not JSON numbers";
            }
            throw new SpecException(at(loc, fileName), "syntax error: " + msg);
        }
    }

    private static Node readValue(JsonParser parser, String file) throws IOException, SpecException {
        JsonToken token = parser.currentToken();
        SourcePos pos = at(parser.currentTokenLocation(), file);
        switch (token) {
            case START_OBJECT: {
                Map<String, Key> keys = new LinkedHashMap<>();
                Map<String, Node> values = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    SourcePos keyPos = at(parser.currentTokenLocation(), file);
                    if (keys.containsKey(name)) {
                        throw new SpecException(keyPos, "duplicate key '" + name + "' (first at line "
                                + keys.get(name).pos().line() + ")");
                    }
                    parser.nextToken();
                    keys.put(name, new Key(name, keyPos));
                    values.put(name, readValue(parser, file));
                }
                return new MapNode(pos, Collections.unmodifiableMap(keys), Collections.unmodifiableMap(values));
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(parser, file));
                }
                return new ListNode(pos, Collections.unmodifiableList(items));
            }
            case VALUE_NULL:
                return new Scalar(pos, null, false, false);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new Scalar(pos, parser.getText(), false, true);
            default:
                return new Scalar(pos, parser.getText(), token == JsonToken.VALUE_STRING, false);
        }
    }

    private static SourcePos at(JsonLocation loc, String file) {
        if (loc == null) {
            return SourcePos.ofFile(file);
        }
        return new SourcePos(file, Math.max(loc.getLineNr(), 1), Math.max(loc.getColumnNr(), 1));
    }
}
