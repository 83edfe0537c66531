using System;
using System.Resources;
using MambaNano.Interop;
using nanoFramework.Runtime.Native;

namespace MambaNano
{
    /// <summary>
    /// A binary resource of the deployed assembly as a model file the engine reads where it is
    /// (<see cref="NativeResources.LoadInPlace"/>): no arena in the firmware and no managed copy of
    /// the file. Only the header's task byte is copied out (a one-byte chunk of the resource).
    /// </summary>
    internal sealed class ModelResource : IModelFile
    {
        private readonly ResourceManager _resources;
        private readonly Enum _key;
        private readonly short _id;

        /// <summary>The resource <paramref name="key"/> of a generated Resources class, whose
        /// value (the resource id) is <paramref name="id"/>.</summary>
        public ModelResource(ResourceManager resources, Enum key, short id)
        {
            _resources = resources;
            _key = key;
            _id = id;
        }

        public int Check(int slot) => Load(slot, 0); // 0 streams: check only (mn_engine.h)

        public int Task() =>
            ((byte[])ResourceUtility.GetObject(_resources, _key, ModelCodes.HeaderTaskOffset, 1))[0];

        public int Load(int slot, int streams) => NativeResources.LoadInPlace(slot, _resources, _id, streams);
    }
}
