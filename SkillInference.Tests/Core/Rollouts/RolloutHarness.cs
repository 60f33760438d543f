using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Bundles;
using SkillInference.Caching;
using SkillInference.Inference;
using SkillInference.Monitoring;
using SkillInference.Registry;
using SkillInference.Rollouts;
using SkillInference.Routing;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Rollouts;

/// <summary>
/// One "host instance" for rollout tests: the inference service over a real file-system store (shared between
/// instances when given the same path), a fake clock, no result cache (every request is scored), its own instance id,
/// and a recording notifier. The driver's ticks are called directly.
/// </summary>
internal sealed class RolloutHarness : IAsyncDisposable
{
    public const string Skill = "collaboration";

    private RolloutHarness(ServiceHarness inner, FakeTimeProvider time, RecordingNotifier notices)
    {
        Inner = inner;
        Time = time;
        Notices = notices;
    }

    public ServiceHarness Inner { get; }

    public FakeTimeProvider Time { get; }

    public RecordingNotifier Notices { get; }

    public ISkillInferenceService Service => Inner.Service;

    public ModelRegistry Registry => Inner.Registry;

    public RolloutManager Rollouts => Inner.Services.GetRequiredService<RolloutManager>();

    public string StorePath => Inner.StorePath;

    public static async Task<RolloutHarness> StartAsync(string instanceId, string? storePath = null, FakeTimeProvider? time = null, ITrafficRouter? router = null, IAgreementSource? agreement = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var notices = new RecordingNotifier();
        var inner = await ServiceHarness.StartAsync(storePath, services =>
        {
            // A meter of this provider's own (not a process-wide one that the in-memory hosts of other tests would scrape).
            services.AddMetrics();
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            services.Replace(ServiceDescriptor.Singleton<IInferenceCache, NullInferenceCache>());
            services.AddSingleton<IMonitoringNotifier>(notices);
            services.Configure<RolloutOptions>(o =>
            {
                o.InstanceId = instanceId;
                o.LeaseDuration = TimeSpan.FromSeconds(30);
            });
            if (router is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(router));
            }

            if (agreement is not null)
            {
                services.AddSingleton(agreement);
            }
        });
        return new RolloutHarness(inner, time, notices);
    }

    /// <summary>Publishes 1.1.0: the same model as 1.0.0, or, when <paramref name="shifted"/>, one whose scaler moves every input three standard deviations (its scores shift).</summary>
    public static async Task PublishCandidateAsync(ModelRegistry registry, bool shifted = false)
    {
        var stable = await registry.Bundles.ReadAsync(Skill, "1.0.0");
        var manifest = stable.Manifest with { Version = "1.1.0" };
        if (shifted)
        {
            var scaler = manifest.Scaler ?? throw new InvalidOperationException("The sample bundle has no scaler to shift.");
            manifest = manifest with { Scaler = scaler with { Mean = [.. scaler.Mean.Select((m, i) => m - (3 * scaler.Scale[i]))] } };
        }

        await registry.PublishAsync(ModelBundle.Create(manifest, stable.ModelBytes), new ChangeContext("test", "candidate"));
    }

    /// <summary>Scores <paramref name="count"/> identified students in requests of 50 (ids from <paramref name="first"/>), each with a different sample row; returns the version that served each.</summary>
    public async Task<Dictionary<string, string>> TrafficAsync(int count, int first = 0)
    {
        var rows = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, Math.Min(count, 500));
        var requests = Enumerable.Range(first, count).Select(i => new InferenceRequest(Skill, rows[i % rows.Count], $"student-{i}")).ToArray();
        var outcomes = new List<InferenceOutcome>(count);
        foreach (var chunk in requests.Chunk(50))
        {
            outcomes.AddRange(await Service.InferBatchAsync(chunk)); // 50 a request, as callers send them: each a latency sample
        }

        var served = new Dictionary<string, string>();
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.IsNotNull(outcomes[i].Result, outcomes[i].Error?.Message);
            served[requests[i].StudentId!] = outcomes[i].Result!.ModelVersion;
        }

        return served;
    }

    public async Task<SkillRegistration> RegistrationAsync() => (await Registry.ReadAsync()).Document.Skills[Skill];

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}

/// <summary>Keeps every notice published.</summary>
internal sealed class RecordingNotifier : IMonitoringNotifier
{
    private readonly List<MonitoringNotice> _notices = [];

    public IReadOnlyList<MonitoringNotice> Notices
    {
        get
        {
            lock (_notices)
            {
                return [.. _notices];
            }
        }
    }

    public void Publish(MonitoringNotice notice)
    {
        lock (_notices)
        {
            _notices.Add(notice);
        }
    }
}

/// <summary>A broken router: sends twice the candidate's share of identified students to it.</summary>
internal sealed class SkewedRouter : ITrafficRouter
{
    public SkillInference.Loading.LoadedModel Choose(SkillInference.Loading.SkillServing serving, string? studentId)
    {
        if (serving.Candidates.Count == 0 || string.IsNullOrEmpty(studentId))
        {
            return serving.Deployed;
        }

        var (model, upper) = serving.Candidates[0];
        return TrafficRouter.BucketPoint(serving.Skill, studentId, serving.ExperimentId) < Math.Min(1, 2 * upper) ? model : serving.Deployed;
    }
}

/// <summary>Validation results handed to the correlation guard.</summary>
internal sealed class FixedAgreement(params AgreementResult[] results) : IAgreementSource
{
    public ValueTask<IReadOnlyList<AgreementResult>> GetLatestAsync(string skill, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<AgreementResult>>([.. results.Where(r => r.Skill == skill)]);
}
