using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;
using SkillInference.Tests.Core.Registry;

namespace SkillInference.Tests.GoogleCloud;

/// <summary>
/// The whole store contract, compare-and-swap included, on <see cref="GcsModelStore"/> over <see cref="FakeGcsServer"/>.
/// The compare-and-swap tests run here because the Cloud Storage emulator ignores generation preconditions
/// (<c>ifGenerationMatch</c>), so against it a stale write would simply succeed; the fake enforces them as Cloud Storage
/// does. The rest of the contract runs against the real emulator too (Integration/GcsEmulatorModelStoreContractTests).
/// </summary>
[TestClass]
public sealed class FakeGcsModelStoreContractTests : ConditionalWriteContractTests, IDisposable
{
    private const string Bucket = "fake-models";
    private readonly FakeGcsServer _server = new();

    public void Dispose() => _server.Dispose();

    protected override Task<IModelStore> CreateStoreAsync() =>
        Task.FromResult<IModelStore>(NewStore($"contract/{Guid.NewGuid():N}"));

    protected override IModelStore OpenAgain(IModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return NewStore(GcsModelStoreOptions.FromUri(store.Location).Prefix);
    }

    private GcsModelStore NewStore(string prefix)
    {
        var client = DisposeAfterTest(_server.CreateClient());
        return DisposeAfterTest(new GcsModelStore(client, new GcsModelStoreOptions
        {
            Bucket = Bucket,
            Prefix = prefix,
            ListPageSize = 5,
            RetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
        }));
    }
}
