package jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jllm.formats.ModelFile;
import jllm.formats.ModelFiles;
import jllm.formats.ModelSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jllm info}: what a model file holds, for people or (with --json) for scripts. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a model file (GGUF, safetensors file or folder, llama2.c .bin).")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "The model file or folder.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ModelSummary s;
        try (ModelFile f = ModelFiles.open(model)) {
            s = ModelSummary.of(f);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(s));
        } else {
            printText(out, s);
        }
        out.flush();
        return 0;
    }

    static String toJson(ModelSummary s) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("format", s.format().label());
        o.put("architecture", s.architecture());
        o.put("name", s.name());
        o.put("parameters", s.parameters());
        o.put("layers", s.layers());
        o.put("heads", s.heads());
        o.put("kv_heads", s.kvHeads());
        o.put("embedding_length", s.embeddingLength());
        o.put("feed_forward_length", s.feedForwardLength());
        o.put("context_length", s.contextLength());
        o.put("vocab_size", s.vocabSize());
        ObjectNode rope = o.putObject("rope");
        rope.put("dimension_count", s.ropeDimensions());
        rope.put("freq_base", s.ropeFreqBase());
        rope.put("scaling", s.ropeScaling());
        o.put("norm_epsilon", s.normEpsilon());
        ObjectNode types = o.putObject("tensor_types");
        s.tensorTypes().forEach(types::put);
        ObjectNode tok = o.putObject("tokenizer");
        tok.put("kind", s.tokenizerKind());
        tok.put("size", s.tokenizerSize());
        tok.put("bos_id", s.bosId());
        tok.put("eos_id", s.eosId());
        tok.put("unk_id", s.unkId());
        tok.put("pad_id", s.padId());
        tok.put("eot_id", s.eotId());
        o.put("chat_template", s.hasChatTemplate());
        o.put("file_bytes", s.fileBytes());
        return mapper.writeValueAsString(o);
    }

    private static void printText(PrintWriter out, ModelSummary s) {
        String f = "%-22s %s%n";
        out.printf(f, "format", s.format().label());
        out.printf(f, "architecture", s.architecture());
        if (s.name() != null) {
            out.printf(f, "name", s.name());
        }
        out.printf(f, "parameters", String.format(Locale.ROOT, "%,d (%s)", s.parameters(), human(s.parameters(), "")));
        out.printf(f, "layers", s.layers());
        out.printf(f, "heads / kv heads", s.heads() + " / " + s.kvHeads());
        out.printf(f, "embedding length", s.embeddingLength());
        out.printf(f, "feed-forward length", s.feedForwardLength());
        out.printf(f, "context length", s.contextLength());
        out.printf(f, "vocab size", s.vocabSize());
        out.printf(f, "rope", s.ropeDimensions() < 0 ? "none (learned positions)"
                : String.format(Locale.ROOT, "%d dims, base %.1f, scaling %s", s.ropeDimensions(), s.ropeFreqBase(),
                        s.ropeScaling()));
        out.printf(f, "norm epsilon", s.normEpsilon());
        StringBuilder types = new StringBuilder();
        s.tensorTypes().forEach((k, v) -> types.append(types.isEmpty() ? "" : ", ").append(k).append(" x").append(v));
        out.printf(f, "tensor types", types);
        out.printf(f, "tokenizer", s.tokenizerKind() == null ? "none in this file"
                : s.tokenizerKind() + ", " + s.tokenizerSize() + " tokens");
        out.printf(f, "special ids", String.format("bos %s, eos %s, unk %s, pad %s, eot %s", id(s.bosId()),
                id(s.eosId()), id(s.unkId()), id(s.padId()), id(s.eotId())));
        out.printf(f, "chat template", s.hasChatTemplate() ? "yes" : "no");
        out.printf(f, "file size", String.format(Locale.ROOT, "%,d bytes (%s)", s.fileBytes(), human(s.fileBytes(), "B")));
    }

    private static String id(int id) {
        return id < 0 ? "-" : Integer.toString(id);
    }

    static String human(long n, String unit) {
        String[] p = {"", "K", "M", "G", "T"};
        double v = n;
        int i = 0;
        while (v >= 1000 && i < p.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, i == 0 ? "%.0f%s%s" : "%.2f%s%s", v, p[i], unit);
    }
}
