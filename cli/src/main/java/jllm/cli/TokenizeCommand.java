package jllm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jllm.engine.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm tokenize}: text to token ids, for one text or (with --jsonl) a stream of them. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of a text, exactly as llama.cpp tokenizes it.",
            "MODEL is a .gguf file, a tokenizer.json (or a folder with one) or a llama2.c tokenizer.bin."})
final class TokenizeCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "The tokenizer's file or folder.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to tokenize.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", description = "Tokenize this UTF-8 file.")
        Path file;

        @Option(names = "--jsonl", description = "Read one JSON string per line on stdin; print one JSON array of ids per line.")
        boolean jsonl;
    }

    @Option(names = "--special", description = "Match control tokens written in the text (e.g. <|eot_id|>).")
    boolean special;

    @Option(names = "--no-bos", description = "Add no BOS/EOS tokens.")
    boolean noBos;

    @Option(names = "--json", description = "Print a JSON array (of ids, or with --verbose of {id, piece}).")
    boolean json;

    @Option(names = "--verbose", description = "Print each token's piece next to its id.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        Tokenizer t = Tokenizer.load(model);
        PrintWriter out = spec.commandLine().getOut();
        if (input.jsonl) {
            jsonLines(t, out);
        } else {
            String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
            print(t, t.encode(text, !noBos, special), out);
        }
        out.flush();
        return 0;
    }

    private void jsonLines(Tokenizer t, PrintWriter out) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int lineNo = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("stdin line " + lineNo + ": not JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isTextual()) {
                throw new IllegalArgumentException("stdin line " + lineNo + ": expected a JSON string, found "
                        + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
            }
            ArrayNode ids = JSON.createArrayNode();
            for (int id : t.encode(node.asText(), !noBos, special)) {
                ids.add(id);
            }
            out.println(JSON.writeValueAsString(ids));
        }
    }

    private void print(Tokenizer t, int[] ids, PrintWriter out) throws Exception {
        if (json) {
            ArrayNode arr = JSON.createArrayNode();
            for (int id : ids) {
                if (verbose) {
                    arr.addObject().put("id", id).put("piece", piece(t, id));
                } else {
                    arr.add(id);
                }
            }
            out.println(JSON.writeValueAsString(arr));
        } else if (verbose) {
            for (int id : ids) {
                out.printf("%6d -> %s%n", id, JSON.writeValueAsString(piece(t, id)));
            }
        } else {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(sb.isEmpty() ? "" : " ").append(id);
            }
            out.println(sb);
        }
    }

    /** The token's text as it prints (control tokens by name); bytes that are not whole characters as \xNN. */
    static String piece(Tokenizer t, int id) {
        byte[] b = t.tokenBytes(id, true);
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
        try {
            return d.decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b) {
                sb.append(String.format("\\x%02X", x & 0xFF));
            }
            return sb.toString();
        }
    }
}
