using SkillInference.Registry;
using SkillInference.Tests.Core.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The store contract on <see cref="SkillInference.GoogleCloud.Storage.GcsModelStore"/> against the Cloud Storage
/// emulator (real HTTP, the real client library, real resumable uploads; each test under its own prefix, listings in
/// pages of 5). Not here: conditional-write refusals, which the emulator does not enforce; they run against
/// GoogleCloud/FakeGcsModelStoreContractTests.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsEmulatorModelStoreContractTests : ModelStoreContractTests
{
    protected override async Task<IModelStore> CreateStoreAsync()
    {
        await GcsEmulator.RequireAsync();
        return DisposeAfterTest(GcsEmulator.NewStore("contract", listPageSize: 5));
    }
}
