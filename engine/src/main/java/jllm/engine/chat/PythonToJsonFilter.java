package jllm.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** {@code tojson}/{@code tojson(indent=N)} with Python's {@code json.dumps} output, as HF's. */
final class PythonToJsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        int indent = args.length > 0 && args[0] != null ? Integer.parseInt(args[0].trim()) : -1;
        return PythonJson.dumps(var, indent);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args,
            Map<String, Object> kwargs) {
        Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
        return PythonJson.dumps(var, indent == null ? -1 : ((Number) toNumber(indent)).intValue());
    }

    private static Object toNumber(Object value) {
        return value instanceof Number ? value : Integer.valueOf(value.toString().trim());
    }
}
