/** How the user sets the local datastore's root, for error messages. */
export const LOCAL_ROOT_VARIABLE = "WEFT_DATASTORE_SYSROOT_LOCAL or --datastore-root";
