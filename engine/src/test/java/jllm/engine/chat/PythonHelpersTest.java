package jllm.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PythonHelpersTest {

    @Test
    void jsonLikePythonDumps() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", "t\"e\\st\n\u0001é");
        map.put("n", 3L);
        map.put("x", 0.5);
        map.put("big", 1e20);
        map.put("ok", true);
        map.put("none", null);
        map.put("empty", List.of());
        assertThat(PythonJson.dumps(map, -1)).isEqualTo(
                "{\"name\": \"t\\\"e\\\\st\\n\\u0001é\", \"n\": 3, \"x\": 0.5, \"big\": 1e+20, "
                        + "\"ok\": true, \"none\": null, \"empty\": []}");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(0.00001)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(-2.5e-7)).isEqualTo("-2.5e-07");
    }

    @Test
    void stringMethodsLikePython() {
        assertThat(PythonStringMethods.split("  a  b\tc ", null, -1)).containsExactly("a", "b", "c");
        assertThat(PythonStringMethods.split("a b c", null, 1)).containsExactly("a", "b c");
        assertThat(PythonStringMethods.split("a,,b", ",", -1)).containsExactly("a", "", "b");
        assertThat(PythonStringMethods.split("a.b.c", ".", 1)).containsExactly("a", "b.c");
        assertThat(PythonStringMethods.title("hello wORLD-x")).isEqualTo("Hello World-X");
        assertThat(PythonStringMethods.strip("xxhixx", "x", true, true)).isEqualTo("hi");
        assertThat(PythonStringMethods.strip("\n hi \t", null, false, true)).isEqualTo("\n hi");
    }

    @Test
    void strftimeDirectives() {
        ZonedDateTime t = ZonedDateTime.of(2024, 7, 5, 14, 3, 9, 0, ZoneOffset.UTC);
        assertThat(PythonStrftime.format("%d %b %Y", t)).isEqualTo("05 Jul 2024");
        assertThat(PythonStrftime.format("%A, %B %-d, %y %I:%M:%S %p %j %%", t))
                .isEqualTo("Friday, July 5, 24 02:03:09 PM 187 %");
    }
}
