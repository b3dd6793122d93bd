package dev.tributary.runtime.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The long2short plot, after Figure 7 of the Kimi k1.5 report: held-out accuracy against mean response tokens, one
 * point per method, the model merges joined from the long policy to the short one. Drawn with XChart.
 */
final class Long2ShortPlot {
    private Long2ShortPlot() {
    }

    static void write(List<Long2ShortJob.Row> rows, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title("long2short: accuracy against response tokens")
                .xAxisTitle("mean response tokens (held-out, greedy)").yAxisTitle("held-out accuracy (%)").build();
        chart.getStyler().setMarkerSize(10);
        // The merges lie between the two policies they average: joined from the long policy, by falling weight of
        // the long one, to the short policy.
        List<Long2ShortJob.Row> path = new ArrayList<>();
        rows.stream().filter(r -> r.method().startsWith("long policy")).forEach(path::add);
        rows.stream().filter(r -> r.method().startsWith("model merge"))
                .sorted((a, b) -> b.method().compareTo(a.method())).forEach(path::add);
        rows.stream().filter(r -> r.method().startsWith("short policy")).forEach(path::add);
        XYSeries merge = chart.addSeries("long, merges, short", path.stream().map(Long2ShortJob.Row::meanTokens)
                .toList(), path.stream().map(r -> 100 * r.accuracy()).toList());
        merge.setMarker(SeriesMarkers.CIRCLE);
        for (Long2ShortJob.Row r : rows) {
            if (!(r.method().startsWith("long policy") || r.method().startsWith("model merge")
                    || r.method().startsWith("short policy"))) {
                XYSeries s = chart.addSeries(r.method(), List.of(r.meanTokens()), List.of(100 * r.accuracy()));
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.DIAMOND);
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
