using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Registry;

namespace SkillInference.Tests.Infrastructure;

/// <summary>An inference service over a store, built the way an embedding app builds it (DI), without the host.</summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ServiceHarness(ServiceProvider provider, string storePath)
    {
        _provider = provider;
        StorePath = storePath;
    }

    public string StorePath { get; }

    public ISkillInferenceService Service => _provider.GetRequiredService<ISkillInferenceService>();

    public ModelRegistry Registry => _provider.GetRequiredService<ModelRegistry>();

    public FakeLogCollector Logs => _provider.GetRequiredService<FakeLogCollector>();

    public IServiceProvider Services => _provider;

    /// <summary>Builds the service over <paramref name="storePath"/> (a private copy of the samples by default) and loads the models with <paramref name="engine"/>.</summary>
    public static async Task<ServiceHarness> StartAsync(string? storePath = null, Action<IServiceCollection>? configure = null, bool refresh = true, ScoringEngine engine = ScoringEngine.Auto)
    {
        storePath ??= SampleStore.Copy();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        services.AddSkillInference(o =>
        {
            o.RetiredModelGracePeriod = TimeSpan.Zero;
            o.Engine = engine;
        }).UseFileSystemModelStore(storePath);
        configure?.Invoke(services);
        var harness = new ServiceHarness(services.BuildServiceProvider(), storePath);
        if (refresh)
        {
            await harness.Service.RefreshAsync();
        }

        return harness;
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
