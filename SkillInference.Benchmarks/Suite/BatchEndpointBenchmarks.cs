using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Benchmarks.Http;
using SkillInference.Host.Endpoints;
using SkillInference.Inference;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// Issue 10: <c>/infer/batch</c>'s work in-process, without HTTP — a body of 1,000 items over the seven sample skills
/// (the HTTP suite's bodies) read, scored and written as the endpoint does, stage by stage and whole, beside the seven
/// kernels alone on the same rows. Per call of 1,000 items; cycles through 16 distinct bodies.
/// </summary>
[MemoryDiagnoser]
public class BatchEndpointBenchmarks
{
    private const int Items = 1_000;
    private const int Bodies = 16;
    private ServiceProvider _provider = null!;
    private ISkillInferenceService _service = null!;
    private byte[][] _bodies = [];
    private BatchRequest[] _read = [];
    private RowScores[][] _scored = [];
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var (store, catalog, data) = await SampleRows.LoadAsync(4096);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseFileSystemModelStore(store).WithoutCache();
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<ISkillInferenceService>();
        await _service.RefreshAsync();
        var skills = catalog.Skills.Select(s => (s.Id, Names: s.Schema.Features.Select(f => f.Name).ToArray())).ToArray();
        _bodies = [.. Enumerable.Range(0, Bodies).Select(b => RequestBodies.Batch(Enumerable.Range(0, Items).Select(k =>
        {
            var i = ((b * Items) + k) % 4096;
            var (id, names) = skills[(b + k) % skills.Length];
            return (id, (IReadOnlyDictionary<string, double?>)BenchmarkStore.Row(data, names, i));
        })))];
        _read = [.. _bodies.Select(Read)];
        _scored = [.. await Task.WhenAll(_read.Select(r => ScoreAsync(r).AsTask()))];
        if (_scored[0].Sum(s => s.Count - s.FailedCount) != Items)
        {
            throw new InvalidOperationException("Every item of the benchmark's bodies must score.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Description = "/infer/batch in-process: read 1,000 items")]
    public int ReadBody() => _reader.Read(_bodies[_next++ & (Bodies - 1)]).Count;

    [Benchmark(Description = "/infer/batch in-process: score 1,000 read items")]
    public async ValueTask<int> Score() => (await ScoreAsync(_read[_next++ & (Bodies - 1)])).Length;

    [Benchmark(Description = "/infer/batch in-process: write 1,000 results")]
    public int Write()
    {
        var i = _next++ & (Bodies - 1);
        return WriteResponse(_read[i], _scored[i]);
    }

    [Benchmark(Description = "/infer/batch in-process: read, score and write 1,000 items")]
    public async ValueTask<int> Whole()
    {
        var read = _reader.Read(_bodies[_next++ & (Bodies - 1)]);
        return WriteResponse(read, await ScoreAsync(read));
    }

    // A reader per body read in the setup (the results are kept); one pooled reader in the timed loop, as the endpoint.
    private static BatchRequest Read(byte[] body) => new BatchRequestReader(10_000, 100).Read(body);

    private readonly BatchRequestReader _reader = new(10_000, 100);

    private async ValueTask<RowScores[]> ScoreAsync(BatchRequest batch)
    {
        var scores = new RowScores[batch.Groups.Count];
        for (var g = 0; g < scores.Length; g++)
        {
            var group = batch.Groups[g];
            scores[g] = await _service.InferRowsAsync(group.Skill, group.Rows, new RowScoringOptions { Explain = group.Explain, Cache = CachePolicy.ReadWrite });
        }

        return scores;
    }

    private int WriteResponse(BatchRequest batch, RowScores[] scores)
    {
        _output.ResetWrittenCount();
        BatchResponseWriter.Write(_output, batch, scores);

        return _output.WrittenCount;
    }
}
