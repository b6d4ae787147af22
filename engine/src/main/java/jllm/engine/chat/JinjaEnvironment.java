package jllm.engine.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.lang.reflect.Method;
import jinjava.javax.el.CompositeELResolver;

/**
 * The one Jinjava engine configured like Hugging Face's chat-template environment:
 * {@code trim_blocks} and {@code lstrip_blocks}, Python operator
 * precedence, plus {@code raise_exception}, {@code strftime_now}, Python string methods and a
 * Python-compatible {@code tojson}. Jinjava is safe to share between threads.
 */
final class JinjaEnvironment {

    private static final Jinjava JINJAVA = create();

    private JinjaEnvironment() {
    }

    static Jinjava jinjava() {
        return JINJAVA;
    }

    private static Jinjava create() {
        LegacyOverrides modern = LegacyOverrides.newBuilder()
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withUseTrimmingForNotesAndExpressions(true)
                .withHandleBackslashInQuotesOnly(true)
                .withKeepNullableLoopValues(true)
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true)
                .withNestedInterpretationEnabled(false) // message text is data, never template
                .withLegacyOverrides(modern)
                .withElResolver(resolver)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(64)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFilter(new PythonToJsonFilter());
        register(jinjava, "raise_exception", "raiseException", String.class);
        register(jinjava, "strftime_now", "strftimeNow", String.class);
        return jinjava;
    }

    private static void register(Jinjava jinjava, String name, String method, Class<?>... types) {
        try {
            Method m = TemplateFunctions.class.getDeclaredMethod(method, types);
            m.setAccessible(true);
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", name, m));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}
