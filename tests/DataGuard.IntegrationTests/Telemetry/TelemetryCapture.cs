using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataGuard.Telemetry;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>
/// Captures what one test's DataGuard spans and measurements were, with the plain System.Diagnostics listeners (no
/// OpenTelemetry package): spans of the "DataGuard" source in the trace of a root span this capture starts (tests run in
/// parallel; each has its own trace), and measurements of one <see cref="DataGuardMetrics"/> instance (its own meter).
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private const string TestSourceName = "DataGuard.IntegrationTests.Telemetry";
    private static readonly ActivitySource TestSource = new(TestSourceName);
    private readonly ActivityListener _listener;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<CapturedMeasurement> _measurements = new();
    private readonly Activity _root;

    public TelemetryCapture(DataGuardMetrics? metrics = null)
    {
        ActivityTraceId? trace = null;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DataGuardActivitySource.Name or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace && activity.Source.Name == DataGuardActivitySource.Name)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);

        // Set here, synchronously: Activity.Current stays this root in the calling test's flow.
        _root = TestSource.StartActivity("test") ?? throw new InvalidOperationException("The test source is not listened to.");
        trace = _root.TraceId;
        if (metrics is not null)
        {
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue(new(instrument.Name, instrument.Unit, value, tags.ToArray())));
            _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue(new(instrument.Name, instrument.Unit, value, tags.ToArray())));
            _meters.Start();
        }
    }

    /// <summary>Gets the root span the test's DataGuard spans hang under.</summary>
    public Activity Root => _root;

    /// <summary>Gets the DataGuard spans that ended so far, in the order they ended.</summary>
    public IReadOnlyList<Activity> Spans => [.. _stopped];

    public IReadOnlyList<CapturedMeasurement> Measurements => [.. _measurements];

    public IReadOnlyList<Activity> Named(string name) => [.. _stopped.Where(a => a.OperationName == name)];

    public Activity Single(string name) => Assert.Single(_stopped, a => a.OperationName == name);

    public IReadOnlyList<Activity> ChildrenOf(Activity parent, string? name = null) =>
        [.. _stopped.Where(a => a.ParentSpanId == parent.SpanId && (name is null || a.OperationName == name))];

    public IReadOnlyList<CapturedMeasurement> Measured(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>Every text a span or a measurement carries: names, tag values (arrays flattened), status descriptions, events and their tags, baggage.</summary>
    public IEnumerable<string> AllTexts()
    {
        foreach (var span in _stopped)
        {
            yield return span.OperationName;
            yield return span.DisplayName;
            if (span.StatusDescription is { } status)
            {
                yield return status;
            }

            foreach (var text in span.TagObjects.SelectMany(t => Texts(t.Key, t.Value)))
            {
                yield return text;
            }

            foreach (var ev in span.Events)
            {
                yield return ev.Name;
                foreach (var text in ev.Tags.SelectMany(t => Texts(t.Key, t.Value)))
                {
                    yield return text;
                }
            }

            foreach (var (key, value) in span.Baggage)
            {
                yield return key;
                if (value is not null)
                {
                    yield return value;
                }
            }
        }

        foreach (var measurement in _measurements)
        {
            foreach (var text in measurement.Tags.SelectMany(t => Texts(t.Key, t.Value)))
            {
                yield return text;
            }
        }
    }

    /// <summary>Fails when any span or measurement carries one of <paramref name="secrets"/> (a password, a subject's key, a hold's value...).</summary>
    public void AssertNothingContains(params string[] secrets)
    {
        Assert.NotEmpty(_stopped);
        foreach (var text in AllTexts())
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"a span or measurement carries '{secret}': {text}");
            }
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _listener.Dispose();
        _meters.Dispose();
    }

    private static IEnumerable<string> Texts(string key, object? value)
    {
        yield return key;
        switch (value)
        {
            case null:
                break;
            case string text:
                yield return text;
                break;
            case IEnumerable items:
                foreach (var item in items)
                {
                    yield return Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                }

                break;
            default:
                yield return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                break;
        }
    }
}

/// <summary>One measurement: the instrument, its unit, the value and the tags.</summary>
internal sealed record CapturedMeasurement(string Instrument, string? Unit, double Value, KeyValuePair<string, object?>[] Tags)
{
    public object? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value;
}
