package jllm.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jllm.formats.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws train and validation loss against steps as a PNG (JFreeChart, headless). */
final class LossPlot {
    private LossPlot() {}

    static void write(Path png, String title, List<double[]> train, List<double[]> validation) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries t = new XYSeries("train loss");
        for (double[] p : train) {
            t.add(p[0], p[1]);
        }
        XYSeries v = new XYSeries("validation loss");
        for (double[] p : validation) {
            v.add(p[0], p[1]);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(t);
        data.addSeries(v);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "loss", data, PlotOrientation.VERTICAL,
                true, false, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, 900, 500);
        AtomicFiles.write(png, out.toByteArray());
    }
}
