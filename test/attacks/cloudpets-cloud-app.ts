// The CloudPets app's side of the legacy cloud lives beside the cloud (firmware-sim/legacy-cloud/
// cloud-app.ts), where `plushlink demo` uses it too.
export { CloudPetsCloudApp, type LegacyMessage } from '../../firmware-sim/legacy-cloud/cloud-app';
