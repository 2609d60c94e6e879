package org.hvd4j.examples.charts;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.hvd4j.examples.AtomicFile;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts with one look for every plot of the project, and a writer that puts several charts
 * side by side into one PNG.
 *
 * <pre>{@code
 * XYChart c = Charts.line("Allreduce, 2 ranks", "size (bytes)", "busbw (GB/s)", true);
 * c.addSeries("shm", sizes, busbw);
 * Charts.writePng(Path.of("docs/allreduce.png"), 800, 500, c);
 * }</pre>
 */
public final class Charts {
    private Charts() {
    }

    /**
     * An empty line chart: white, grid lines, legend inside the plot, series with markers.
     *
     * @param logX a logarithmic x axis (sizes, batch sizes)
     */
    public static XYChart line(String title, String xTitle, String yTitle, boolean logX) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        s.setPlotBorderVisible(false);
        s.setAntiAlias(true);
        c.getStyler().setXAxisLogarithmic(logX);
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setMarkerSize(6);
        return c;
    }

    /** Adds a series with round markers ({@code x} and {@code y} of the same length). */
    public static void series(XYChart c, String name, double[] x, double[] y) {
        c.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    /**
     * Draws {@code charts} left to right, each {@code width × height} pixels, into one PNG at
     * {@code file}, replaced whole ({@link AtomicFile}).
     */
    public static void writePng(Path file, int width, int height, XYChart... charts) throws IOException {
        BufferedImage img = new BufferedImage(width * charts.length, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (int i = 0; i < charts.length; i++) {
                Graphics2D part = (Graphics2D) g.create(i * width, 0, width, height);
                try {
                    charts[i].paint(part, width, height);
                } finally {
                    part.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        AtomicFile.write(file, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this Java installation");
            }
        });
    }
}
