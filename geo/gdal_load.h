/* geo/gdal_load.h: GDAL, loaded the first time a file is read or written.
 *
 * libgdal brings some 130 shared libraries whose relocations cost about 40 ms at every start
 * (measured: an empty program linked with -lgdal starts in 50 ms, without it in 1 ms); most
 * commands (assign, report, render, info) never open a file through it. So no program links
 * GDAL: geo opens it with dlopen() on first use, and vio.c calls it through the pointers below,
 * under GDAL's own names. A function vio.c uses but this list lacks fails the link (GDAL is not
 * linked), so the list cannot fall behind the code.
 *
 * Include after GDAL's headers, and only from geo's files that call GDAL. */
#ifndef WG_GDAL_LOAD_H
#define WG_GDAL_LOAD_H

#include "wg/core.h"

#include <cpl_conv.h>
#include <cpl_csv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdbool.h>

#define WG_GDAL_FUNCS(X)                                                                           \
    X(CPLGetErrorHandlerUserData)                                                                  \
    X(CPLPopErrorHandler)                                                                          \
    X(CPLPushErrorHandlerEx)                                                                       \
    X(CPLSetThreadLocalConfigOption)                                                               \
    X(CSLCount)                                                                                    \
    X(CSLDestroy)                                                                                  \
    X(CSVReadParseLine3L)                                                                          \
    X(GDALAllRegister)                                                                             \
    X(GDALClose)                                                                                   \
    X(GDALCreate)                                                                                  \
    X(GDALDatasetCommitTransaction)                                                                \
    X(GDALDatasetCreateLayer)                                                                      \
    X(GDALDatasetGetLayer)                                                                         \
    X(GDALDatasetGetLayerByName)                                                                   \
    X(GDALDatasetGetLayerCount)                                                                    \
    X(GDALDatasetStartTransaction)                                                                 \
    X(GDALGetBlockSize)                                                                            \
    X(GDALGetDataTypeName)                                                                         \
    X(GDALGetDescription)                                                                          \
    X(GDALGetDriverByName)                                                                         \
    X(GDALGetGeoTransform)                                                                         \
    X(GDALGetMetadata)                                                                             \
    X(GDALGetMetadataItem)                                                                         \
    X(GDALGetRasterBand)                                                                           \
    X(GDALGetRasterCount)                                                                          \
    X(GDALGetRasterDataType)                                                                       \
    X(GDALGetRasterNoDataValue)                                                                    \
    X(GDALGetRasterUnitType)                                                                       \
    X(GDALGetRasterXSize)                                                                          \
    X(GDALGetRasterYSize)                                                                          \
    X(GDALGetSpatialRef)                                                                           \
    X(GDALOpenEx)                                                                                  \
    X(GDALRasterIO)                                                                                \
    X(GDALSetDescription)                                                                          \
    X(GDALSetGeoTransform)                                                                         \
    X(GDALSetMetadataItem)                                                                         \
    X(GDALSetRasterNoDataValue)                                                                    \
    X(GDALSetRasterUnitType)                                                                       \
    X(GDALSetSpatialRef)                                                                           \
    X(OGR_FD_GetFieldCount)                                                                        \
    X(OGR_FD_GetFieldDefn)                                                                         \
    X(OGR_F_Create)                                                                                \
    X(OGR_F_Destroy)                                                                               \
    X(OGR_F_GetFID)                                                                                \
    X(OGR_F_GetFieldAsDateTimeEx)                                                                  \
    X(OGR_F_GetFieldAsDouble)                                                                      \
    X(OGR_F_GetFieldAsString)                                                                      \
    X(OGR_F_GetFieldDefnRef)                                                                       \
    X(OGR_F_GetGeometryRef)                                                                        \
    X(OGR_F_IsFieldSetAndNotNull)                                                                  \
    X(OGR_F_SetFieldDouble)                                                                        \
    X(OGR_F_SetFieldInteger64)                                                                     \
    X(OGR_F_SetFieldNull)                                                                          \
    X(OGR_F_SetFieldString)                                                                        \
    X(OGR_F_SetGeometryDirectly)                                                                   \
    X(OGR_Fld_Create)                                                                              \
    X(OGR_Fld_Destroy)                                                                             \
    X(OGR_Fld_GetNameRef)                                                                          \
    X(OGR_Fld_GetType)                                                                             \
    X(OGR_GT_Flatten)                                                                              \
    X(OGR_G_CreateFromWkbEx)                                                                       \
    X(OGR_G_CreateGeometry)                                                                        \
    X(OGR_G_DestroyGeometry)                                                                       \
    X(OGR_G_ExportToIsoWkb)                                                                        \
    X(OGR_G_FlattenTo2D)                                                                           \
    X(OGR_G_ForceToMultiLineString)                                                                \
    X(OGR_G_ForceToMultiPolygon)                                                                   \
    X(OGR_G_GetEnvelope)                                                                           \
    X(OGR_G_GetGeometryType)                                                                       \
    X(OGR_G_GetLinearGeometry)                                                                     \
    X(OGR_G_GetX)                                                                                  \
    X(OGR_G_GetY)                                                                                  \
    X(OGR_G_HasCurveGeometry)                                                                      \
    X(OGR_G_IsEmpty)                                                                               \
    X(OGR_G_SetPoint_2D)                                                                           \
    X(OGR_G_WkbSize)                                                                               \
    X(OGR_L_CreateFeature)                                                                         \
    X(OGR_L_CreateField)                                                                           \
    X(OGR_L_GetFeatureCount)                                                                       \
    X(OGR_L_GetGeomType)                                                                           \
    X(OGR_L_GetLayerDefn)                                                                          \
    X(OGR_L_GetNextFeature)                                                                        \
    X(OGR_L_GetSpatialRef)                                                                         \
    X(OGR_L_ResetReading)                                                                          \
    X(OSRClone)                                                                                    \
    X(OSRDestroySpatialReference)                                                                  \
    X(OSRExportToWktEx)                                                                            \
    X(OSRGetAuthorityCode)                                                                         \
    X(OSRGetAuthorityName)                                                                         \
    X(OSRImportFromEPSG)                                                                           \
    X(OSRIsGeographic)                                                                             \
    X(OSRIsProjected)                                                                              \
    X(OSRIsSame)                                                                                   \
    X(OSRNewSpatialReference)                                                                      \
    X(OSRSetAxisMappingStrategy)                                                                   \
    X(OSRSetFromUserInput)                                                                         \
    X(VSIFCloseL)                                                                                  \
    X(VSIFOpenL)                                                                                   \
    X(VSIFree)

#define WG_X(f) extern __typeof__(f) *wg__gdal_##f;
WG_GDAL_FUNCS(WG_X)
#undef WG_X

/* Loads GDAL and registers its drivers, once per process (any thread); WG_OK when it is there.
 * On failure the context says which library could not be loaded and why. */
wg_status wg__gdal_load(wg_ctx *ctx);

/* GDAL reports through a thread-local handler stack: each of geo's entry points pushes a handler
 * with wg__gdal_push() and pops it (CPLPopErrorHandler) before returning; the first failure's
 * text is kept for the message we build. */
typedef struct wg__gdal_err {
    char msg[512];
    bool failed;
} wg__gdal_err;
void wg__gdal_push(wg__gdal_err *e);

/* From here on GDAL's names mean the loaded functions. */
#define CPLGetErrorHandlerUserData wg__gdal_CPLGetErrorHandlerUserData
#define CPLPopErrorHandler wg__gdal_CPLPopErrorHandler
#define CPLPushErrorHandlerEx wg__gdal_CPLPushErrorHandlerEx
#define CPLSetThreadLocalConfigOption wg__gdal_CPLSetThreadLocalConfigOption
#define CSLCount wg__gdal_CSLCount
#define CSLDestroy wg__gdal_CSLDestroy
#define CSVReadParseLine3L wg__gdal_CSVReadParseLine3L
#define GDALAllRegister wg__gdal_GDALAllRegister
#define GDALClose wg__gdal_GDALClose
#define GDALCreate wg__gdal_GDALCreate
#define GDALDatasetCommitTransaction wg__gdal_GDALDatasetCommitTransaction
#define GDALDatasetCreateLayer wg__gdal_GDALDatasetCreateLayer
#define GDALDatasetGetLayer wg__gdal_GDALDatasetGetLayer
#define GDALDatasetGetLayerByName wg__gdal_GDALDatasetGetLayerByName
#define GDALDatasetGetLayerCount wg__gdal_GDALDatasetGetLayerCount
#define GDALDatasetStartTransaction wg__gdal_GDALDatasetStartTransaction
#define GDALGetBlockSize wg__gdal_GDALGetBlockSize
#define GDALGetDataTypeName wg__gdal_GDALGetDataTypeName
#define GDALGetDescription wg__gdal_GDALGetDescription
#define GDALGetDriverByName wg__gdal_GDALGetDriverByName
#define GDALGetGeoTransform wg__gdal_GDALGetGeoTransform
#define GDALGetMetadata wg__gdal_GDALGetMetadata
#define GDALGetMetadataItem wg__gdal_GDALGetMetadataItem
#define GDALGetRasterBand wg__gdal_GDALGetRasterBand
#define GDALGetRasterCount wg__gdal_GDALGetRasterCount
#define GDALGetRasterDataType wg__gdal_GDALGetRasterDataType
#define GDALGetRasterNoDataValue wg__gdal_GDALGetRasterNoDataValue
#define GDALGetRasterUnitType wg__gdal_GDALGetRasterUnitType
#define GDALGetRasterXSize wg__gdal_GDALGetRasterXSize
#define GDALGetRasterYSize wg__gdal_GDALGetRasterYSize
#define GDALGetSpatialRef wg__gdal_GDALGetSpatialRef
#define GDALOpenEx wg__gdal_GDALOpenEx
#define GDALRasterIO wg__gdal_GDALRasterIO
#define GDALSetDescription wg__gdal_GDALSetDescription
#define GDALSetGeoTransform wg__gdal_GDALSetGeoTransform
#define GDALSetMetadataItem wg__gdal_GDALSetMetadataItem
#define GDALSetRasterNoDataValue wg__gdal_GDALSetRasterNoDataValue
#define GDALSetRasterUnitType wg__gdal_GDALSetRasterUnitType
#define GDALSetSpatialRef wg__gdal_GDALSetSpatialRef
#define OGR_FD_GetFieldCount wg__gdal_OGR_FD_GetFieldCount
#define OGR_FD_GetFieldDefn wg__gdal_OGR_FD_GetFieldDefn
#define OGR_F_Create wg__gdal_OGR_F_Create
#define OGR_F_Destroy wg__gdal_OGR_F_Destroy
#define OGR_F_GetFID wg__gdal_OGR_F_GetFID
#define OGR_F_GetFieldAsDateTimeEx wg__gdal_OGR_F_GetFieldAsDateTimeEx
#define OGR_F_GetFieldAsDouble wg__gdal_OGR_F_GetFieldAsDouble
#define OGR_F_GetFieldAsString wg__gdal_OGR_F_GetFieldAsString
#define OGR_F_GetFieldDefnRef wg__gdal_OGR_F_GetFieldDefnRef
#define OGR_F_GetGeometryRef wg__gdal_OGR_F_GetGeometryRef
#define OGR_F_IsFieldSetAndNotNull wg__gdal_OGR_F_IsFieldSetAndNotNull
#define OGR_F_SetFieldDouble wg__gdal_OGR_F_SetFieldDouble
#define OGR_F_SetFieldInteger64 wg__gdal_OGR_F_SetFieldInteger64
#define OGR_F_SetFieldNull wg__gdal_OGR_F_SetFieldNull
#define OGR_F_SetFieldString wg__gdal_OGR_F_SetFieldString
#define OGR_F_SetGeometryDirectly wg__gdal_OGR_F_SetGeometryDirectly
#define OGR_Fld_Create wg__gdal_OGR_Fld_Create
#define OGR_Fld_Destroy wg__gdal_OGR_Fld_Destroy
#define OGR_Fld_GetNameRef wg__gdal_OGR_Fld_GetNameRef
#define OGR_Fld_GetType wg__gdal_OGR_Fld_GetType
#define OGR_GT_Flatten wg__gdal_OGR_GT_Flatten
#define OGR_G_CreateFromWkbEx wg__gdal_OGR_G_CreateFromWkbEx
#define OGR_G_CreateGeometry wg__gdal_OGR_G_CreateGeometry
#define OGR_G_DestroyGeometry wg__gdal_OGR_G_DestroyGeometry
#define OGR_G_ExportToIsoWkb wg__gdal_OGR_G_ExportToIsoWkb
#define OGR_G_FlattenTo2D wg__gdal_OGR_G_FlattenTo2D
#define OGR_G_ForceToMultiLineString wg__gdal_OGR_G_ForceToMultiLineString
#define OGR_G_ForceToMultiPolygon wg__gdal_OGR_G_ForceToMultiPolygon
#define OGR_G_GetEnvelope wg__gdal_OGR_G_GetEnvelope
#define OGR_G_GetGeometryType wg__gdal_OGR_G_GetGeometryType
#define OGR_G_GetLinearGeometry wg__gdal_OGR_G_GetLinearGeometry
#define OGR_G_GetX wg__gdal_OGR_G_GetX
#define OGR_G_GetY wg__gdal_OGR_G_GetY
#define OGR_G_HasCurveGeometry wg__gdal_OGR_G_HasCurveGeometry
#define OGR_G_IsEmpty wg__gdal_OGR_G_IsEmpty
#define OGR_G_SetPoint_2D wg__gdal_OGR_G_SetPoint_2D
#define OGR_G_WkbSize wg__gdal_OGR_G_WkbSize
#define OGR_L_CreateFeature wg__gdal_OGR_L_CreateFeature
#define OGR_L_CreateField wg__gdal_OGR_L_CreateField
#define OGR_L_GetFeatureCount wg__gdal_OGR_L_GetFeatureCount
#define OGR_L_GetGeomType wg__gdal_OGR_L_GetGeomType
#define OGR_L_GetLayerDefn wg__gdal_OGR_L_GetLayerDefn
#define OGR_L_GetNextFeature wg__gdal_OGR_L_GetNextFeature
#define OGR_L_GetSpatialRef wg__gdal_OGR_L_GetSpatialRef
#define OGR_L_ResetReading wg__gdal_OGR_L_ResetReading
#define OSRClone wg__gdal_OSRClone
#define OSRDestroySpatialReference wg__gdal_OSRDestroySpatialReference
#define OSRExportToWktEx wg__gdal_OSRExportToWktEx
#define OSRGetAuthorityCode wg__gdal_OSRGetAuthorityCode
#define OSRGetAuthorityName wg__gdal_OSRGetAuthorityName
#define OSRImportFromEPSG wg__gdal_OSRImportFromEPSG
#define OSRIsGeographic wg__gdal_OSRIsGeographic
#define OSRIsProjected wg__gdal_OSRIsProjected
#define OSRIsSame wg__gdal_OSRIsSame
#define OSRNewSpatialReference wg__gdal_OSRNewSpatialReference
#define OSRSetAxisMappingStrategy wg__gdal_OSRSetAxisMappingStrategy
#define OSRSetFromUserInput wg__gdal_OSRSetFromUserInput
#define VSIFCloseL wg__gdal_VSIFCloseL
#define VSIFOpenL wg__gdal_VSIFOpenL
#define VSIFree wg__gdal_VSIFree

#endif
