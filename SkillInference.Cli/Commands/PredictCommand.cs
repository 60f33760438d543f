using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using nietras.SeparatedValues;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Serialization;

namespace SkillInference.Cli.Commands;

/// <summary>
/// <c>skillinf predict</c>: score a CSV of students with a skill's deployed model, writing JSON Lines. The CSV is read
/// with Sep into blocks of columnar rows (no dictionary per row), each block is scored in one bulk call, and the lines
/// are written from the scored columns with a <see cref="Utf8JsonWriter"/>.
/// </summary>
internal static class PredictCommand
{
    private const int ChunkSize = 16_384;

    /// <summary>Chunks read ahead of the scoring at most (each holds <see cref="ChunkSize"/> rows).</summary>
    private const int ReadAhead = 8;
    private const string IdColumn = "student_id";

    public static Command Create(CliConsole console)
    {
        var store = CommonOptions.Store();
        var skill = new Option<string>("--skill") { Description = "The skill to score (its deployed version is used).", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "CSV: a header of feature names (and optionally student_id), one row per student; an empty cell is missing.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "JSON Lines output (default: standard output)." };
        var explain = new Option<bool>("--explain") { Description = "Add each feature's contribution to the log-odds (TreeSHAP) and the bias." };
        var engine = new Option<ScoringEngine>("--engine") { Description = "Auto (fastest), Reference (ML.NET: PredictionEngine for mlnet, OnnxTransformer for onnx; not for xgboost-json) or Compiled.", DefaultValueFactory = _ => ScoringEngine.Auto };
        var command = new Command("predict", "Score every row of a CSV with a skill's deployed model; one JSON object per row, in order; a bad row gets an error object.")
        {
            store, skill, input, output, explain, engine,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var id = parse.GetValue(skill)!;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference(o => o.Engine = parse.GetValue(engine)).UseModelStore(parse.GetValue(store)!).AddOnnx().WithoutCache();
            await using var provider = services.BuildServiceProvider();
            var service = provider.GetRequiredService<ISkillInferenceService>();

            // The model loads (registry, bundle, checksum, parse, compile) on the thread pool while this thread reads
            // the CSV ahead, so the two first costs of a run overlap.
            var loading = Task.Run(
                async () =>
                {
                    await service.RefreshAsync(ct).ConfigureAwait(false);
                    return service.LoadedModels.FirstOrDefault(m => m.Skill == id && m.Role == "deployed")
                        ?? throw new InvalidOperationException(DescribeMissing(service, id));
                },
                ct);
            try
            {
                return await PredictAsync(console, parse, input, output, explain, service, id, loading, ct).ConfigureAwait(false);
            }
            finally
            {
                // Never dispose of the service under a load still running (the CSV could not be opened, say).
                await Task.WhenAny(loading).ConfigureAwait(false);
            }
        }));
        return command;
    }

    /// <summary>
    /// Reads the CSV into chunks on this thread, up to <see cref="ReadAhead"/> chunks ahead of the scoring; another
    /// task waits for the model, checks the header against its features (before anything is written), then scores and
    /// writes each chunk in input order.
    /// </summary>
    private static async Task<int> PredictAsync(CliConsole console, ParseResult parse, Option<string> input, Option<string?> output, Option<bool> explain, ISkillInferenceService service, string id, Task<LoadedModelInfo> loading, CancellationToken ct)
    {
        using var reader = Sep.Reader(o => o with { Sep = new Sep(','), Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true, CultureInfo = CultureInfo.InvariantCulture })
            .FromFile(parse.GetValue(input)!);
        if (reader.Header.IsEmpty)
        {
            throw new FormatException("The input CSV is empty.");
        }

        var header = reader.Header.ColNames.Select(h => h.TrimStart('\uFEFF')).ToArray();
        var idColumn = Array.IndexOf(header, IdColumn);
        var features = header.Where((_, i) => i != idColumn).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var full = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var free = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Besides those queued: one being read into, one being scored, one scored waiting to be written, one being written.
        for (var c = 0; c < ReadAhead + 4; c++)
        {
            free.Writer.TryWrite(new Chunk(header.Length, idColumn, features));
        }

        var consumer = Task.Run(() => ScoreChunksAsync(console, parse, output, explain, service, id, loading, header, idColumn, full.Reader, free.Writer, stop), stop.Token);
        var rows = 0;
        try
        {
            var chunk = await free.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
            foreach (var row in reader)
            {
                if (row.ColCount == 1 && row[0].Span.IsEmpty && header.Length > 1)
                {
                    continue; // a blank line
                }

                rows++;
                chunk.Add(row, rows);
                if (chunk.Count == ChunkSize)
                {
                    await full.Writer.WriteAsync(chunk, stop.Token).ConfigureAwait(false);
                    chunk = await free.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                }
            }

            await full.Writer.WriteAsync(chunk, stop.Token).ConfigureAwait(false);
            full.Writer.Complete();
        }
        catch (Exception ex)
        {
            await StopAfterFailureAsync(ex, full.Writer, stop, consumer).ConfigureAwait(false);
            throw;
        }

        var (failed, model) = await consumer.ConfigureAwait(false);
        await console.Error.WriteLineAsync($"Scored {rows - failed:N0} of {rows:N0} rows with {id}@{model.Version} ({model.Engine}); {failed:N0} rows had errors.").ConfigureAwait(false);
        return CliConsole.Success;
    }

    /// <summary>
    /// Waits for the model and checks the header, then scores the chunks in order while another task formats and writes
    /// the lines of the chunk scored before (so neither core waits for the other stage); returns the rows that failed.
    /// </summary>
    private static async Task<(int Failed, LoadedModelInfo Model)> ScoreChunksAsync(CliConsole console, ParseResult parse, Option<string?> output, Option<bool> explain, ISkillInferenceService service, string id, Task<LoadedModelInfo> loading, string[] header, int idColumn, ChannelReader<Chunk> full, ChannelWriter<Chunk> free, CancellationTokenSource stop)
    {
        try
        {
            var model = await loading.ConfigureAwait(false);
            var known = model.Manifest.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = header.Where((h, i) => i != idColumn && !known.Contains(h)).ToArray();
            if (unknown.Length > 0)
            {
                throw new FormatException($"The CSV has columns that are not features of {id}@{model.Version}: {string.Join(", ", unknown)}. Its features are: {string.Join(", ", known)}.");
            }

            await using var sink = parse.GetValue(output) is { } path ? File.Create(path) : null;
            var stream = sink ?? Console.OpenStandardOutput();
            var outWriter = sink is null && console.Out != Console.Out ? null : stream;
            var options = new RowScoringOptions { Explain = parse.GetValue(explain) };
            using var writer = new LineWriter(console, outWriter, id);
            var scored = Channel.CreateBounded<(Chunk Chunk, RowScores? Scores)>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
            var writing = Task.Run(() => WriteChunksAsync(console, writer, scored.Reader, free, stop), stop.Token);
            try
            {
                await foreach (var chunk in full.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    var scores = chunk.Count == 0 ? null : await service.InferRowsAsync(id, chunk.ToRows(), options, stop.Token).ConfigureAwait(false);
                    await scored.Writer.WriteAsync((chunk, scores), stop.Token).ConfigureAwait(false);
                }

                scored.Writer.Complete();
            }
            catch (Exception ex)
            {
                await StopAfterFailureAsync(ex, scored.Writer, stop, writing).ConfigureAwait(false);
                throw;
            }

            await writing.ConfigureAwait(false);
            return (writer.Failed, model);
        }
        catch
        {
            // Stop the reading side, which may be waiting for room in the queue.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// After a stage failed: ends its queue, stops every stage and waits for the next stage to stop. When this stage was
    /// only cancelled because the next one failed (the scoring, or the disk filling up under the writing), the next
    /// one's exception is thrown: it is the one to report.
    /// </summary>
    private static async Task StopAfterFailureAsync<T>(Exception ex, ChannelWriter<T> queue, CancellationTokenSource stop, Task next)
    {
        queue.TryComplete(ex);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAny(next).ConfigureAwait(false);
        if (ex is OperationCanceledException && next.IsFaulted)
        {
            await next.ConfigureAwait(false);
        }
    }

    /// <summary>Formats and writes each scored chunk's lines in order, then hands the chunk back to the reader.</summary>
    private static async Task WriteChunksAsync(CliConsole console, LineWriter writer, ChannelReader<(Chunk Chunk, RowScores? Scores)> scored, ChannelWriter<Chunk> free, CancellationTokenSource stop)
    {
        try
        {
            var written = 0;
            await foreach (var (chunk, scores) in scored.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var count = chunk.Count;
                if (scores is not null)
                {
                    await writer.WriteAsync(chunk, scores, stop.Token).ConfigureAwait(false);
                }

                chunk.Clear();
                free.TryWrite(chunk);
                if ((written + count) / (ChunkSize * 4) > written / (ChunkSize * 4))
                {
                    await console.Error.WriteLineAsync($"  {written + count:N0} rows scored").ConfigureAwait(false);
                }

                written += count;
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string DescribeMissing(ISkillInferenceService service, string skill)
    {
        var failure = service.Status.Failures.FirstOrDefault(f => f.Skill == skill);
        return failure is not null
            ? $"The deployed model of '{skill}' ({failure.Version}) cannot be loaded: {failure.Reason}"
            : $"Skill '{skill}' is not deployed in this store. Deployed: {string.Join(", ", service.Status.RegisteredSkills)}.";
    }

    /// <summary>
    /// Writes the lines of scored chunks (JSON written as UTF-8 straight from the scored columns, the model's constant
    /// parts encoded once), counting the rows that failed.
    /// </summary>
    private sealed class LineWriter(CliConsole console, Stream? stream, string skill) : IDisposable
    {
        private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        private readonly ArrayBufferWriter<byte> _buffer = new(1 << 22);
        private readonly byte[] _skill = Encoding.UTF8.GetBytes($",\"skill\":\"{Encoding.UTF8.GetString(JsonEncodedText.Encode(skill, Encoder).EncodedUtf8Bytes)}\"");
        private Utf8JsonWriter? _fallback;
        private byte[] _versionOf = [];
        private string? _version;

        public int Failed { get; private set; }

        public void Dispose() => _fallback?.Dispose();

        /// <summary>Writes a line per row of a scored chunk, in input order.</summary>
        public async Task WriteAsync(Chunk chunk, RowScores scores, CancellationToken ct)
        {
            Format(chunk, scores);
            if (stream is not null)
            {
                await stream.WriteAsync(_buffer.WrittenMemory, ct).ConfigureAwait(false);
            }
            else
            {
                await console.Out.WriteAsync(Encoding.UTF8.GetString(_buffer.WrittenSpan)).ConfigureAwait(false);
            }

            _buffer.ResetWrittenCount();
        }

        private void Format(Chunk chunk, RowScores scores)
        {
            var json = new RawJsonWriter(_buffer, Encoder);
            for (var i = 0; i < chunk.Count; i++)
            {
                json.Raw("{\"row\":"u8);
                json.Integer(chunk.LineOf(i));
                json.Raw(",\"student_id\":"u8);
                if (chunk.StudentIdOf(i) is { } id)
                {
                    json.String(id);
                }
                else
                {
                    json.Raw("null"u8);
                }

                json.Raw(_skill);
                if (chunk.ParseErrorOf(i) is { } parseError)
                {
                    Failed++;
                    WriteError(ref json, parseError, null);
                }
                else
                {
                    var r = chunk.ScoredRowOf(i);
                    if (scores.ErrorOf(r) is { } error)
                    {
                        Failed++;
                        WriteError(ref json, error.Message, error.FeatureErrors);
                    }
                    else
                    {
                        json.Raw(",\"score\":"u8);
                        json.LongNumber(scores.ScoreOf(r));
                        json.Raw(",\"confidence\":"u8);
                        json.LongNumber(scores.ConfidenceOf(r));
                        json.Raw(VersionPart(scores.ModelVersionOf(r)));
                        WriteImputed(ref json, scores, r);
                        json.Raw("]"u8);
                        if (scores.ExplanationOf(r) is { } e)
                        {
                            json.Raw(",\"contributions\":{"u8);
                            foreach (var (name, value) in e.Contributions)
                            {
                                json.String(name);
                                json.Raw(":"u8);
                                json.Number(value);
                                json.Raw(","u8);
                            }

                            json.Raw("\"bias\":"u8);
                            json.Number(e.Bias);
                            json.Raw("}"u8);
                        }
                    }
                }

                json.Raw("}\n"u8);
            }

            json.Flush();
        }

        /// <summary>The names of a row's imputed features, read from the scored columns: no object per row.</summary>
        private static void WriteImputed(ref RawJsonWriter json, RowScores scores, int row)
        {
            var (buffer, item, facts) = scores.ColumnsOf(row);
            if (facts is null)
            {
                // A row answered with a result object (a shared cache's hit).
                var first = true;
                foreach (var name in scores.ImputedFeaturesOf(row))
                {
                    json.Raw(first ? ""u8 : ","u8);
                    json.String(name);
                    first = false;
                }

                return;
            }

            var separator = "\""u8;
            for (var f = 0; f < facts.Names.Length; f++)
            {
                if (buffer.IsImputed(item, f))
                {
                    // Feature names are [a-z][a-z0-9_]*: the same bytes under any JSON encoder.
                    json.Raw(separator);
                    json.Raw(facts.JsonNames[f].EncodedUtf8Bytes);
                    json.Raw("\""u8);
                    separator = ",\""u8;
                }
            }
        }

        /// <summary><c>,"model_version":"…","imputed_features":[</c>, encoded once per version.</summary>
        private byte[] VersionPart(string version)
        {
            if (!ReferenceEquals(version, _version))
            {
                _versionOf = Encoding.UTF8.GetBytes($",\"model_version\":\"{Encoding.UTF8.GetString(JsonEncodedText.Encode(version, Encoder).EncodedUtf8Bytes)}\",\"imputed_features\":[");
                _version = version;
            }

            return _versionOf;
        }

        private void WriteError(ref RawJsonWriter json, string message, IReadOnlyList<Schema.FeatureError>? features)
        {
            json.Raw(",\"error\":"u8);
            json.Flush();
            if (_fallback is null)
            {
                _fallback = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = Encoder, SkipValidation = true });
            }
            else
            {
                _fallback.Reset(_buffer);
            }

            _fallback.WriteStartObject();
            _fallback.WriteString("message"u8, message);
            if (features is { Count: > 0 })
            {
                _fallback.WriteStartObject("features"u8);
                foreach (var group in features.GroupBy(f => f.Feature, StringComparer.Ordinal))
                {
                    _fallback.WriteString(group.Key, string.Join("; ", group.Select(f => f.Message)));
                }

                _fallback.WriteEndObject();
            }

            _fallback.WriteEndObject();
            _fallback.Flush();
        }
    }

    /// <summary>
    /// A block of CSV rows: the readable ones as columnar values (a missing mask for empty cells), the others with the
    /// reason they cannot be read; the input line of each.
    /// </summary>
    private sealed class Chunk(int cells, int idColumn, string[] features)
    {
        private readonly int _width = features.Length;
        private readonly double[] _values = new double[ChunkSize * features.Length];
        private readonly bool[] _missing = new bool[ChunkSize * features.Length];
        private readonly string?[] _ids = new string?[ChunkSize];
        private readonly string?[] _errors = new string?[ChunkSize];
        private readonly int[] _lines = new int[ChunkSize];
        private readonly int[] _scoredRow = new int[ChunkSize];
        private readonly string?[] _scoredIds = new string?[ChunkSize];
        private int _scored;

        public int Count { get; private set; }

        public void Add(SepReader.Row row, int line)
        {
            var i = Count++;
            _lines[i] = line;
            _errors[i] = null;
            _ids[i] = idColumn >= 0 && idColumn < row.ColCount ? row[idColumn].ToString() : null;
            if (row.ColCount != cells)
            {
                _errors[i] = $"the row has {row.ColCount} cells; the header has {cells}";
                return;
            }

            var r = _scored;
            var offset = r * _width;
            for (int c = 0, f = 0; c < cells; c++)
            {
                if (c == idColumn)
                {
                    continue;
                }

                // A short decimal (most values) is read straight from the cell's characters; anything else by Sep's
                // fast float parser (the reader's culture is invariant). An empty cell never parses, so the common case
                // looks the cell up once.
                var cell = row[c];
                var text = cell.Span;
                if (ShortDecimal.TryParse(text, out var length, out var value) && length == text.Length)
                {
                    _missing[offset + f] = false;
                    _values[offset + f] = value;
                }
                else if (cell.TryParse<double>() is { } parsed)
                {
                    _missing[offset + f] = false;
                    _values[offset + f] = parsed;
                }
                else if (text.IsEmpty)
                {
                    _missing[offset + f] = true;
                    _values[offset + f] = 0;
                }
                else
                {
                    _errors[i] = $"'{features[f]}' is not a number";
                    return;
                }

                f++;
            }

            _scoredRow[i] = r;
            _scoredIds[r] = _ids[i];
            _scored++;
        }

        public FeatureRows ToRows() => new(features, _scored, _values, _missing, _scoredIds);

        public int LineOf(int i) => _lines[i];

        public string? StudentIdOf(int i) => _ids[i];

        public string? ParseErrorOf(int i) => _errors[i];

        public int ScoredRowOf(int i) => _scoredRow[i];

        public void Clear()
        {
            Count = 0;
            _scored = 0;
        }
    }
}
